/** A run that could not measure: its verdict is inconclusive with this reason. */
export class DrillInconclusive extends Error {}
