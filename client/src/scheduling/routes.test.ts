import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, type Route } from '../router';

describe('scheduling routes', () => {
  it('parseRoute() of #/schedule and its tabs', () => {
    expect(parseRoute('#/schedule')).toEqual({ name: 'schedule', tab: 'calendar' });
    expect(parseRoute('#/schedule/rota')).toEqual({ name: 'schedule', tab: 'rota' });
    expect(parseRoute('#/schedule/nope')).toEqual({ name: 'notFound' });
  });

  it('parseRoute() of a booking room needs a UUID', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(parseRoute(`#/schedule/bookings/${id.toUpperCase()}/room`)).toEqual({ name: 'bookingRoom', id });
    expect(parseRoute('#/schedule/bookings/123/room')).toEqual({ name: 'notFound' });
  });

  it('hrefFor() and parseRoute() round-trip', () => {
    const routes: Route[] = [
      { name: 'schedule', tab: 'calendar' },
      { name: 'schedule', tab: 'availability' },
      { name: 'schedule', tab: 'feed' },
      { name: 'bookingRoom', id: '0f8fad5b-d9cb-469f-a165-70867728950e' },
    ];
    for (const route of routes) expect(parseRoute(hrefFor(route))).toEqual(route);
  });
});
