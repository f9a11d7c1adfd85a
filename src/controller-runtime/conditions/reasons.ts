/**
 * Reasons the condition helpers themselves write, spelled as upstream Cluster API spells them so that tools
 * matching on reasons keep working.
 */
export const ConditionReason = {
  /** A condition expected by mirror, summary or aggregate does not exist (yet) on its object. */
  NotYetReported: 'NotYetReported',
  /** A mirrored condition had an empty reason. */
  NoReasonReported: 'NoReasonReported',
  /** A mirrored condition had a status other than True, False, Unknown. */
  InvalidConditionReported: 'InvalidConditionReported',
  /** Default merge result: at least one merged condition reports an issue. */
  IssuesReported: 'IssuesReported',
  /** Default merge result: no issues, at least one merged condition is Unknown. */
  UnknownReported: 'UnknownReported',
  /** Default merge result: every merged condition is in its normal state. */
  InfoReported: 'InfoReported',
} as const;
