/**
 * The demo book of customers that `npm start` enrols: clinics and enterprise
 * accounts whose contracts started at different times in the past, each with
 * a believable history of events, so the dashboard shows journeys in every
 * state (on time, late, overdue, missed, renewed, churned, at risk).
 *
 * Deterministic: the same `now` gives the same book, so a restart finds the
 * same customers (and enrols none twice). Instants are ISO-8601 strings, the
 * shapes of `POST /customers` and `POST /events` (reference §15).
 */
import { addMonths } from '../../workflows/engine/index.ts';
import { seededRandom as random } from './seeded-random.ts';

export interface DemoEvent {
  id: string;
  type: string;
  at: string;
  data: Record<string, string | number | boolean>;
}

export interface DemoCustomer {
  playbook: string;
  customer: { id: string } & Record<string, string | number | boolean>;
  contract: { start: string; end: string };
  /** Events that happened before `now`, oldest first. */
  events: DemoEvent[];
}

/** How a demo account behaves over its contract. */
type Persona = 'champion' | 'steady' | 'slow_starter' | 'fading' | 'churning';

const DAY = 86_400_000;
const CSMS = ['ada@example.com', 'grace@example.com', 'linus@example.com'];
const MANAGER = 'max@example.com';
const CLINICS = [
  'Acme Clinic', 'Birchwood Dental', 'Cedar Vets', 'Dunmore Physio', 'Elm Street Family Practice', 'Fairview Eye Care',
  'Glenwood Pediatrics', 'Harbour Dermatology', 'Ironbridge Medical', 'Juniper Fertility', 'Kestrel Orthodontics',
  'Lakeside Surgery', 'Maple Hearing', 'Northgate Chiropractic', 'Oakridge Women\'s Health', 'Pinecrest Podiatry',
  'Quarry Lane Dental', 'Riverside Clinic', 'Southfield Cardiology', 'Thornbury Sports Medicine',
];
const ENTERPRISES = ['Globex Health', 'Initech Hospitals', 'Umbrella Care Group', 'Stark Medical'];
const PERSONAS: Persona[] = ['champion', 'steady', 'slow_starter', 'fading', 'churning'];

const iso = (ms: number) => new Date(ms).toISOString();
const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** The whole demo book as of `now` (epoch ms). */
export function demoBook(now: number): DemoCustomer[] {
  // Anchor contract starts on whole days so the book is stable within a day.
  const today = Math.floor(now / DAY) * DAY;
  const book: DemoCustomer[] = [];
  CLINICS.forEach((name, i) => book.push(clinic(name, i, today, now)));
  ENTERPRISES.forEach((name, i) => book.push(enterprise(name, i, today, now)));
  return book;
}

function clinic(name: string, i: number, today: number, now: number): DemoCustomer {
  const rnd = random(1000 + i);
  // Spread personas so that the contracts already past their term include both
  // renewals and churn.
  const persona = PERSONAS[(i * 3) % PERSONAS.length]!;
  // Contracts started between 2 weeks and 14 months ago: some are in their
  // first weeks, some mid-year, some past their term (renewed or churned).
  const monthsAgo = i % 15;
  const start = monthsAgo === 0 ? today - 14 * DAY : addMonths(today, -monthsAgo);
  const end = addMonths(start, 12);
  const id = slug(name);
  const events: DemoEvent[] = [];
  const push = (at: number, type: string, data: DemoEvent['data'] = {}) => {
    if (at < now && at >= start - 7 * DAY) events.push({ id: `${id}-${type}-${events.length}`, type, at: iso(at), data });
  };
  const activationDay = { champion: 6, steady: 18, slow_starter: 45, fading: 12, churning: 25 }[persona];
  const stopsUsingAt = persona === 'churning' ? start + 150 * DAY : persona === 'fading' ? start + 200 * DAY : Infinity;
  push(start + activationDay * DAY + 10 * 3_600_000, 'activated');
  for (let day = activationDay + 1; start + day * DAY < Math.min(now, end); day += 1) {
    const at = start + day * DAY + 9 * 3_600_000;
    if (at >= stopsUsingAt) break;
    // Fading accounts use the product less and less after month 5.
    const fade = persona === 'fading' && day > 150 ? Math.max(0.2, 1 - (day - 150) / 60) : 1;
    if (rnd() < 0.55 * fade) push(at, 'usage', { active_users: Math.round((4 + rnd() * 8) * fade), minutes: Math.round((120 + rnd() * 240) * fade) });
    if (rnd() < (persona === 'slow_starter' && day < 150 ? 0.06 : 0.015)) {
      push(at + 2 * 3_600_000, 'ticket_opened', { category: rnd() < 0.6 ? 'operations' : 'billing', severity: 1 + Math.floor(rnd() * 3) });
    }
    if (rnd() < 0.03) push(at + 5 * 3_600_000, 'interaction', { kind: (['call', 'meeting', 'email', 'training'] as const)[Math.floor(rnd() * 4)]! });
    if (rnd() < 0.004) push(at + 3 * 3_600_000, 'complaint', { severity: 1 + Math.floor(rnd() * 3) });
  }
  if (persona === 'champion' || persona === 'steady') push(start + (persona === 'champion' ? 120 : 250) * DAY, 'campaign_run', { name: 'Flu vaccination recall' });
  if (persona === 'churning') push(start + 140 * DAY, 'business_change', { kind: 'ownership' });
  if (persona === 'champion' || persona === 'steady') push(end - 40 * DAY, 'renewal_signed', { amount: 24_000 + i * 1_000 });
  events.sort((a, b) => a.at.localeCompare(b.at));
  return {
    playbook: 'clinic-first-year',
    customer: {
      id, name, segment: 'clinic', tier: i % 7 === 3 ? 'stable' : i % 4 === 0 ? 'vip' : 'growth',
      arr: 24_000 + i * 1_000, csm: CSMS[i % CSMS.length]!, manager: MANAGER,
    },
    contract: { start: iso(start), end: iso(end) },
    events,
  };
}

function enterprise(name: string, i: number, today: number, now: number): DemoCustomer {
  const rnd = random(5000 + i);
  const start = addMonths(today, -(2 + i * 3));
  const end = addMonths(start, 12);
  const id = slug(name);
  const seats = 200 + i * 100;
  const events: DemoEvent[] = [];
  const push = (at: number, type: string, data: DemoEvent['data'] = {}) => {
    if (at < now) events.push({ id: `${id}-${type}-${events.length}`, type, at: iso(at), data });
  };
  push(start + 10 * DAY, 'kickoff_held');
  for (let week = 1; start + week * 7 * DAY < Math.min(now, end); week += 1) {
    const at = start + week * 7 * DAY + 8 * 3_600_000;
    push(at, 'usage', { active_seats: Math.round(seats * (0.5 + 0.4 * rnd())) });
    if (rnd() < 0.15) push(at + 3_600_000, 'ticket_opened', { priority: (['p1', 'p2', 'p3', 'p4'] as const)[Math.floor(rnd() * 4)]! });
  }
  for (let quarter = 0; addMonths(start, quarter * 3) < Math.min(now, end); quarter += 1) {
    if (i !== 2 || quarter < 2) push(addMonths(start, quarter * 3) + 40 * DAY, 'qbr_held', { attendees: 6, exec_present: quarter % 2 === 0 });
    push(addMonths(start, quarter * 3) + 20 * DAY, 'sponsor_checkin', { sentiment: i === 3 ? 'negative' : 'positive' });
  }
  if (i === 1) push(start + 150 * DAY, 'expansion_signed', { amount: 40_000 });
  return {
    playbook: 'enterprise-vip',
    customer: {
      id, name, tier: i % 2 === 0 ? 'enterprise' : 'vip', arr: 120_000 + i * 40_000, seats,
      csm: CSMS[i % CSMS.length]!, manager: MANAGER, vp: 'vp.cs@example.com', account_exec: 'ae@example.com', exec_sponsor: 'cro@example.com',
    },
    contract: { start: iso(start), end: iso(end) },
    events,
  };
}
