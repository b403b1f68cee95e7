import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, type Route } from '../router';

const ID = '3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a3b';

describe('consult routes', () => {
  it('parseRoute() of the consult screens', () => {
    expect(parseRoute('#/consults')).toEqual({ name: 'consults' });
    expect(parseRoute('#/consults/new')).toEqual({ name: 'consultNew' });
    expect(parseRoute(`#/consults/${ID}`)).toEqual({ name: 'consult', id: ID });
    expect(parseRoute(`#/consults/${ID.toUpperCase()}/room`)).toEqual({ name: 'consultRoom', id: ID });
  });

  it('parseRoute() of a consult path that is not an id, or too long, is notFound', () => {
    expect(parseRoute('#/consults/42')).toEqual({ name: 'notFound' });
    expect(parseRoute(`#/consults/${ID}/chat`)).toEqual({ name: 'notFound' });
    expect(parseRoute(`#/consults/${ID}/room/x`)).toEqual({ name: 'notFound' });
  });

  it('hrefFor() and parseRoute() round-trip the consult screens', () => {
    const routes: Route[] = [
      { name: 'consults' },
      { name: 'consultNew' },
      { name: 'consult', id: ID },
      { name: 'consultRoom', id: ID },
    ];
    for (const route of routes) expect(parseRoute(hrefFor(route))).toEqual(route);
  });
});
