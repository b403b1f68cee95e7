import { useSyncExternalStore } from 'react';

/** Screens addressed by the URL hash, so that a reload or a shared link lands on the same screen. */
export type Route =
  | { name: 'home' }
  | { name: 'admin'; siteCode: string | null }
  | { name: 'consults' }
  | { name: 'consultNew' }
  | { name: 'consult'; id: string }
  | { name: 'consultRoom'; id: string }
  | { name: 'notFound' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
