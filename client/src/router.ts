import { useSyncExternalStore } from 'react';

/** Screens addressed by the URL hash, so that a reload or a shared link lands on the same screen. */
export type Route =
  | { name: 'home' }
  | { name: 'admin'; siteCode: string | null }
  | { name: 'consults' }
  | { name: 'consultNew' }
  | { name: 'consult'; id: string }
  | { name: 'consultRoom'; id: string }
  | { name: 'worklist' }
  | { name: 'worklistRead'; id: string }
  | { name: 'study'; studyInstanceUid: string }
  | { name: 'schedule'; tab: ScheduleTab }
  | { name: 'bookingRoom'; id: string }
  | { name: 'metrics' }
  | { name: 'case'; id: string }
  | { name: 'notFound' };

/** The tabs of the scheduling screen. */
export const SCHEDULE_TABS = ['calendar', 'availability', 'rota', 'feed'] as const;
export type ScheduleTab = (typeof SCHEDULE_TABS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A DICOM UID: digits and dots, at most 64 characters. */
const DICOM_UID = /^[0-9]+(\.[0-9]+)*$/;

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '');
  if (path === '') return { name: 'home' };
  const [first, ...rest] = path.replace(/^\//, '').split('/');
  if (first === 'admin' && rest.length === 0) return { name: 'admin', siteCode: null };
  if (first === 'admin' && rest.length === 1 && rest[0]) {
    try {
      return { name: 'admin', siteCode: decodeURIComponent(rest[0]) };
    } catch {
      return { name: 'notFound' };
    }
  }
  if (first === 'consults') {
    if (rest.length === 0) return { name: 'consults' };
    if (rest.length === 1 && rest[0] === 'new') return { name: 'consultNew' };
    const [id, sub, ...more] = rest;
    if (id && UUID.test(id) && more.length === 0) {
      if (sub === undefined) return { name: 'consult', id: id.toLowerCase() };
      if (sub === 'room') return { name: 'consultRoom', id: id.toLowerCase() };
    }
  }
  if (first === 'worklist') {
    if (rest.length === 0) return { name: 'worklist' };
    if (rest.length === 1 && rest[0] && UUID.test(rest[0])) return { name: 'worklistRead', id: rest[0].toLowerCase() };
  }
  if (first === 'studies' && rest.length === 1 && rest[0] && rest[0].length <= 64 && DICOM_UID.test(rest[0])) {
    return { name: 'study', studyInstanceUid: rest[0] };
  }
  if (first === 'cases' && rest.length === 1 && rest[0] && UUID.test(rest[0])) return { name: 'case', id: rest[0].toLowerCase() };
  if (first === 'metrics' && rest.length === 0) return { name: 'metrics' };
  if (first === 'schedule') {
    if (rest.length === 0) return { name: 'schedule', tab: 'calendar' };
    const tab = SCHEDULE_TABS.find((t) => t === rest[0]);
    if (rest.length === 1 && tab) return { name: 'schedule', tab };
    if (rest.length === 3 && rest[0] === 'bookings' && rest[1] && UUID.test(rest[1]) && rest[2] === 'room') {
      return { name: 'bookingRoom', id: rest[1].toLowerCase() };
    }
  }
  return { name: 'notFound' };
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'admin':
      return route.siteCode ? `#/admin/${encodeURIComponent(route.siteCode)}` : '#/admin';
    case 'consults':
      return '#/consults';
    case 'consultNew':
      return '#/consults/new';
    case 'consult':
      return `#/consults/${route.id}`;
    case 'consultRoom':
      return `#/consults/${route.id}/room`;
    case 'worklist':
      return '#/worklist';
    case 'worklistRead':
      return `#/worklist/${route.id}`;
    case 'study':
      return `#/studies/${route.studyInstanceUid}`;
    case 'schedule':
      return route.tab === 'calendar' ? '#/schedule' : `#/schedule/${route.tab}`;
    case 'bookingRoom':
      return `#/schedule/bookings/${route.id}/room`;
    case 'metrics':
      return '#/metrics';
    case 'case':
      return `#/cases/${route.id}`;
    case 'notFound':
      return '#/';
  }
}

/** `replace` keeps the browser's back button for real moves, not for corrections such as a default site. */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefFor(route);
  if (options.replace) window.location.replace(href);
  else window.location.hash = href;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const currentHash = () => window.location.hash;

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, currentHash));
}
