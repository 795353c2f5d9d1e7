/** `/odd/binary`: a base64 body; `/odd/plain`: a result that is no APIG response; `/odd/status`: an impossible status code. */
export const handler = async (event: { path: string }) => {
  if (event.path.endsWith('/binary')) {
    return { statusCode: 201, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 255, 1, 2]).toString('base64'), isBase64Encoded: true };
  }
  if (event.path.endsWith('/status')) return { statusCode: 42, headers: {}, body: '' };
  return { hello: 'world' };
};
