/**
 * Milepost's custom search attributes: what Temporal's visibility (web UI,
 * `temporal workflow list --query`) can filter journeys by. They must be
 * registered on the namespace ({@link SEARCH_ATTRIBUTE_REGISTRATIONS}); a
 * journey upserts them only when started with `searchAttributes: true`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const MilepostPlaybook = defineSearchAttributeKey('MilepostPlaybook', SearchAttributeType.KEYWORD);
export const MilepostCustomer = defineSearchAttributeKey('MilepostCustomer', SearchAttributeType.KEYWORD);
export const MilepostOutcome = defineSearchAttributeKey('MilepostOutcome', SearchAttributeType.KEYWORD);
/** Milestones open or overdue right now (ids). */
export const MilepostOpenMilestones = defineSearchAttributeKey('MilepostOpenMilestones', SearchAttributeType.KEYWORD_LIST);
/** Milestones past due and not completed (ids): the CS manager's worry list. */
export const MilepostOverdueMilestones = defineSearchAttributeKey('MilepostOverdueMilestones', SearchAttributeType.KEYWORD_LIST);

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` / `temporal operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS = [
  'MilepostPlaybook=Keyword',
  'MilepostCustomer=Keyword',
  'MilepostOutcome=Keyword',
  'MilepostOpenMilestones=KeywordList',
  'MilepostOverdueMilestones=KeywordList',
];
