/** Moved to the embedded FunctionGraph, which validates TIMER schedules too; kept here for the host's imports. */
export * from '../cloud/functiongraph/schedule.ts';
