/**
 * The longest list each list argument accepts; a longer one fails with BAD_USER_INPUT before any
 * upstream call. Declared once here: validation, the cost guard and the schema test read it.
 */
export const LIST_LIMITS = {
  /** `Query.users(ids:)`. */
  userIds: 1000,
  /** `apiNames:` of `Query.achievementDefinitions` and `User.achievements`. */
  apiNames: 200,
  /** `Leaderboard.entries(userIds:)`, read in one `USER_IDS` call. */
  entryUserIds: 100,
  /** `Leaderboard.entries(first:)`: the page size. */
  pageSize: 100,
  /** `first:` of `Query.purchaseEvents` and `User.purchaseEvents`: the page size. */
  eventPageSize: 100,
} as const;

/** `first:` of `Leaderboard.entries` and of the `purchaseEvents` connections when omitted. */
export const DEFAULT_PAGE_SIZE = 20;
