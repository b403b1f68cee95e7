import type { SiteDto } from '@telestroke/shared';
import { useEffect, useState } from 'react';
import { listSites } from '../api/admin';
import { isApiError } from '../api/http';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { loadMetrics } from './api';
import { durationTicks } from './chart';
import { MonthlyLine, SiteBoxPlot } from './charts';
import {
  csvHref,
  defaultFilters,
  formatMinutes,
  metricMax,
  metricsQuery,
  rangeProblem,
  type MetricsFilters,
  type MetricView,
} from './metrics';
import './metrics.css';

type Loaded =
  | { status: 'loading' }
  | { status: 'ready'; key: string; views: MetricView[] }
  | { status: 'error'; key: string; error: unknown };

/**
 * The network's delays for hub staff, schedulers and administrators: per metric, the median, a box plot by site
 * and the monthly median line, for a date range and a site; the CSV export carries the same filters.
 */
export function MetricsPage() {
  const { t } = useI18n();
  useDocumentTitle(t('metrics.title'));
  const [filters, setFilters] = useState<MetricsFilters>(() => defaultFilters(Date.now()));
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const sites = useRemoteSites();
  const problem = rangeProblem(filters);
  // What an answer belongs to: the filters, and the attempt (so that a retry shows as loading again).
  const key = `${metricsQuery(filters)}#${attempt}`;

  useEffect(() => {
    if (problem) return;
    const controller = new AbortController();
    loadMetrics(filters, controller.signal).then(
      (views) => {
        if (!controller.signal.aborted) setLoaded({ status: 'ready', key, views });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setLoaded({ status: 'error', key, error });
      },
    );
    return () => controller.abort();
    // `key` is the filters' identity; `filters` is read only through it.
  }, [key, problem]);

  // A change of filters keeps the previous charts on screen, dimmed, until the new answer arrives.
  const current = loaded.status !== 'loading' && loaded.key === key && !problem;
  const state = problem ? 'error' : current ? loaded.status : 'loading';
  const views = loaded.status === 'ready' ? loaded.views : null;
  const set = (patch: Partial<MetricsFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const problemKey: MessageKey | null =
    problem === 'missing' ? 'metrics.filter.missing' : problem === 'reversed' ? 'metrics.filter.reversed' : null;
  const empty = views !== null && views.every((v) => v.n === 0);

  return (
    <main className="page mx-page" id="main" data-testid="metrics-dashboard" data-state={state} aria-busy={state === 'loading'}>
      <p className="breadcrumb">
        <a href="#/">← {t('common.backHome')}</a>
      </p>
      <div className="card-heading">
        <h1>{t('metrics.title')}</h1>
        {problem ? (
          <span className="btn btn-secondary mx-csv" aria-disabled="true" data-testid="metrics-csv">
            {t('metrics.csv')}
          </span>
        ) : (
          <a className="btn btn-secondary mx-csv" href={csvHref(filters)} download data-testid="metrics-csv" title={t('metrics.csv.hint')}>
            {t('metrics.csv')}
          </a>
        )}
      </div>
      <p className="muted">{t('metrics.intro')}</p>

      <form className="mx-filters" aria-label={t('metrics.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="mx-from">{t('metrics.filter.from')}</label>
          <input
            id="mx-from"
            type="date"
            value={filters.from}
            max={filters.to || undefined}
            onChange={(e) => set({ from: e.target.value })}
            aria-invalid={problem !== null}
            aria-describedby={problemKey ? 'mx-range-problem' : undefined}
            data-testid="metrics-from"
          />
        </div>
        <div className="field">
          <label htmlFor="mx-to">{t('metrics.filter.to')}</label>
          <input
            id="mx-to"
            type="date"
            value={filters.to}
            min={filters.from || undefined}
            onChange={(e) => set({ to: e.target.value })}
            aria-invalid={problem !== null}
            aria-describedby={problemKey ? 'mx-range-problem' : undefined}
            data-testid="metrics-to"
          />
        </div>
        {sites.length > 1 && (
          <div className="field mx-site-field">
            <label htmlFor="mx-site">{t('metrics.filter.site')}</label>
            <select
              id="mx-site"
              value={filters.siteCode ?? ''}
              onChange={(e) => set({ siteCode: e.target.value || undefined })}
              data-testid="metrics-site"
            >
              <option value="">{t('metrics.filter.allSites')}</option>
              {sites.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <button type="button" className="btn btn-ghost" onClick={() => setFilters(defaultFilters(Date.now()))} data-testid="metrics-reset">
          {t('metrics.filter.reset')}
        </button>
      </form>
      {problemKey && (
        <p className="field-error" id="mx-range-problem" role="alert" data-testid="metrics-range-problem">
          {t(problemKey)}
        </p>
      )}

      {loaded.status === 'error' && current && (
        <Banner tone="error" testId="metrics-error">
          {t(errorMessageKey(loaded.error))}{' '}
          {/* A refusal stays a refusal: retrying helps only when the network or the server failed. */}
          {!(isApiError(loaded.error) && (loaded.error.status === 403 || loaded.error.status === 404)) && (
            <button
              type="button"
              className="btn btn-secondary btn-inline"
              onClick={() => setAttempt((n) => n + 1)}
              data-testid="metrics-retry"
            >
              {t('metrics.retry')}
            </button>
          )}
        </Banner>
      )}
      {loaded.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {views && (
        <div className={`mx-body${current ? '' : ' mx-stale'}`}>
          {!current && !problem && (
            <p className="muted mx-updating" role="status">
              {t('metrics.updating')}
            </p>
          )}
          {empty && current && (
            <p className="muted" data-testid="metrics-empty">
              {t('metrics.empty')}
            </p>
          )}
          <ul className="mx-medians" aria-label={t('metrics.median')}>
            {views.map((view) => (
              <li key={view.id} className="mx-median-tile">
                <span className="mx-median-name">{t(`metrics.metric.${view.id}`)}</span>
                <MedianFigure view={view} />
              </li>
            ))}
          </ul>
          {/* Said once for every chart below, rather than under each of them. */}
          {!empty && <p className="hint mx-legend">{t('metrics.legend')}</p>}
          {views.map((view) => (
            <MetricCard key={view.id} view={view} />
          ))}
        </div>
      )}
    </main>
  );
}

function MedianFigure({ view }: { view: MetricView }) {
  const { t } = useI18n();
  return (
    <span
      className="mx-median-value"
      data-testid={`metrics-median-${view.id}`}
      data-value={view.median === null ? '' : String(view.median)}
    >
      {view.median === null ? (
        t('metrics.medianNone')
      ) : (
        <>
          <strong>{formatMinutes(view.median)}</strong>
          <span className="mx-median-n"> · {t('metrics.cases', { n: view.n })}</span>
        </>
      )}
    </span>
  );
}

function MetricCard({ view }: { view: MetricView }) {
  const { t, lang } = useI18n();
  const label = t(`metrics.metric.${view.id}`);
  const ticks = durationTicks(metricMax(view));
  const headingId = `mx-${view.id}`;
  const monthName = new Intl.DateTimeFormat(LOCALES[lang], { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return (
    <section className="card mx-card" aria-labelledby={headingId} data-testid={`metrics-chart-${view.id}`} data-n={view.n}>
      <div className="card-heading">
        <h2 id={headingId}>{label}</h2>
        <span className="mx-card-median">
          {t('metrics.median')} : {view.median === null ? t('metrics.medianNone') : formatMinutes(view.median)}
          {view.median !== null && <span className="muted"> · {t('metrics.cases', { n: view.n })}</span>}
        </span>
      </div>
      <p className="muted mx-help">{t(`metrics.help.${view.id}`)}</p>
      {view.n === 0 ? (
        <p className="muted mx-none" data-testid="metrics-none">
          {t('metrics.noData')}
        </p>
      ) : (
        <>
          <div className="mx-charts">
            <figure className="mx-figure">
              <figcaption>{t('metrics.bySite')}</figcaption>
              <SiteBoxPlot metricLabel={label} sites={view.sites} ticks={ticks} testId={`metrics-sites-${view.id}`} />
            </figure>
            <figure className="mx-figure">
              <figcaption>{t('metrics.byMonth')}</figcaption>
              <MonthlyLine metricLabel={label} months={view.months} ticks={ticks} testId={`metrics-months-${view.id}`} />
            </figure>
          </div>
          <details className="mx-data">
            <summary>{t('metrics.data')}</summary>
            <div className="mx-data-tables">
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">{t('metrics.data.site')}</th>
                    <th scope="col">{t('metrics.data.n')}</th>
                    <th scope="col">{t('metrics.data.q1')}</th>
                    <th scope="col">{t('metrics.data.median')}</th>
                    <th scope="col">{t('metrics.data.q3')}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.sites.map((s) => (
                    <tr key={s.siteCode}>
                      <th scope="row">{s.siteName}</th>
                      <td data-label={t('metrics.data.n')}>{s.n}</td>
                      <td data-label={t('metrics.data.q1')}>{s.box ? formatMinutes(s.box.q1) : '—'}</td>
                      <td data-label={t('metrics.data.median')}>{s.box ? formatMinutes(s.box.median) : '—'}</td>
                      <td data-label={t('metrics.data.q3')}>{s.box ? formatMinutes(s.box.q3) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">{t('metrics.data.month')}</th>
                    <th scope="col">{t('metrics.data.n')}</th>
                    <th scope="col">{t('metrics.data.median')}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.months.map((m) => (
                    <tr key={m.month}>
                      <th scope="row">{monthName.format(new Date(`${m.month}-01T00:00:00Z`))}</th>
                      <td data-label={t('metrics.data.n')}>{m.n}</td>
                      <td data-label={t('metrics.data.median')}>{m.median === null ? '—' : formatMinutes(m.median)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}

/** The remote sites the user sees, for the site filter; empty until loaded or when the call fails. */
function useRemoteSites(): readonly SiteDto[] {
  const [sites, setSites] = useState<readonly SiteDto[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    listSites(controller.signal).then((all) => setSites(all.filter((s) => s.kind === 'remote')), () => undefined);
    return () => controller.abort();
  }, []);
  return sites;
}
