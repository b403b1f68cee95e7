import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { bands, boxGeometry, linearScale, linePath, type LinearScale } from './chart';
import { formatMinutes, labelledIndexes, monthLabel, type MonthMedian, type SiteDistribution } from './metrics';

/**
 * Hand-drawn SVG charts. The drawing takes the width of its container (its viewBox follows it), so that the text
 * stays at its real size from a desktop to a tablet held upright instead of shrinking with the picture.
 */
const DEFAULT_WIDTH = 480;
const CHART_HEIGHT = 250;
const MARGIN = { top: 14, right: 14, bottom: 46, left: 46 };

interface Plot {
  width: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function plotArea(width: number): Plot {
  return { width, left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: CHART_HEIGHT - MARGIN.bottom };
}

/** The rendered width of an element, following its resizes (rotation of a tablet, a window dragged). */
function useWidth<T extends Element>(): [RefObject<T | null>, number] {
  const ref = useRef<T | null>(null);
  const [width, setWidth] = useState(DEFAULT_WIDTH);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => {
      const w = Math.round(element.getBoundingClientRect().width);
      // Below this the axis labels overlap whatever the layout: the picture scales down instead.
      if (w > 0) setWidth(Math.max(280, w));
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

interface ChartFrameProps {
  title: string;
  description: string;
  ticks: readonly number[];
  plot: Plot;
  /** Nothing to draw: no value axis, only the message. */
  empty: boolean;
  testId: string;
  children: ReactNode;
}

/** The value axis and its grid, shared by both charts: a duration axis in minutes, from zero. */
function ChartFrame({ title, description, ticks, plot, empty, testId, children }: ChartFrameProps) {
  const { t } = useI18n();
  const titleId = useId();
  const descId = useId();
  const y = valueScale(ticks, plot);
  return (
    <svg
      className="mx-chart"
      viewBox={`0 0 ${plot.width} ${CHART_HEIGHT}`}
      width={plot.width}
      height={CHART_HEIGHT}
      role="img"
      aria-labelledby={`${titleId} ${descId}`}
      data-testid={testId}
    >
      <title id={titleId}>{title}</title>
      <desc id={descId}>{description}</desc>
      <g className="mx-grid" aria-hidden="true">
        {!empty &&
          ticks.map((tick) => (
            <g key={tick}>
              <line x1={plot.left} x2={plot.right} y1={y(tick)} y2={y(tick)} />
              <text x={plot.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
                {tick}
              </text>
            </g>
          ))}
        {!empty && (
          <text
            className="mx-axis-title"
            transform={`translate(12 ${(plot.top + plot.bottom) / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {t('metrics.axis.minutes')}
          </text>
        )}
        <line className="mx-baseline" x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} />
      </g>
      {children}
      {empty && (
        <text className="mx-empty" x={(plot.left + plot.right) / 2} y={(plot.top + plot.bottom) / 2} textAnchor="middle">
          {t('metrics.noData')}
        </text>
      )}
    </svg>
  );
}

/** The y scale of a metric's charts: both use the same ticks, so that a box and a month can be compared by eye. */
function valueScale(ticks: readonly number[], plot: Plot): LinearScale {
  return linearScale([ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1], [plot.bottom, plot.top]);
}

/** Keeps a long site name from running into its neighbour's. */
function shorten(name: string, max: number): string {
  return name.length <= max ? name : `${name.slice(0, Math.max(1, max - 1))}…`;
}

interface SiteBoxPlotProps {
  metricLabel: string;
  sites: readonly SiteDistribution[];
  ticks: readonly number[];
  testId: string;
}

/** One box per site with cases: quartiles, median, Tukey whiskers and outlying cases. */
export function SiteBoxPlot({ metricLabel, sites, ticks, testId }: SiteBoxPlotProps) {
  const { t } = useI18n();
  const [ref, width] = useWidth<HTMLDivElement>();
  const plot = plotArea(width);
  const y = valueScale(ticks, plot);
  const shown = sites.filter((s) => s.box !== null);
  // One box alone would fill the whole width: keep it the size it would have beside a neighbour.
  const slots = bands(shown.length, [plot.left, plot.right], shown.length === 1 ? 0.7 : 0.45);
  // About 7 units per character of the 12-unit labels.
  const maxChars = Math.max(4, Math.floor((plot.right - plot.left) / Math.max(1, shown.length) / 7));
  const summary = shown
    .map((s) =>
      t('metrics.chart.sites.item', {
        site: s.siteName,
        median: formatMinutes(s.box!.median),
        q1: formatMinutes(s.box!.q1),
        q3: formatMinutes(s.box!.q3),
        n: s.box!.n,
      }),
    )
    .join(' ; ');
  return (
    <div className="mx-chart-box" ref={ref}>
      <ChartFrame
        title={`${metricLabel} — ${t('metrics.bySite')}`}
        description={t('metrics.chart.sites.label', { metric: metricLabel, summary: summary || t('metrics.noData') })}
        ticks={ticks}
        plot={plot}
        empty={shown.length === 0}
        testId={testId}
      >
        {shown.map((site, i) => {
          const box = site.box!;
          const band = slots[i]!;
          const g = boxGeometry(box, y);
          const capHalf = Math.min(band.width / 4, 16);
          const boxWidth = Math.min(band.width, 120);
          const boxStart = band.center - boxWidth / 2;
          return (
            <g
              key={site.siteCode}
              className="mx-box"
              data-testid="metrics-box"
              data-site={site.siteCode}
              data-median={box.median}
              data-n={box.n}
            >
              <title>
                {t('metrics.box.title', {
                  site: site.siteName,
                  median: formatMinutes(box.median),
                  q1: formatMinutes(box.q1),
                  q3: formatMinutes(box.q3),
                  min: formatMinutes(box.min),
                  max: formatMinutes(box.max),
                  n: box.n,
                })}
              </title>
              <line className="mx-whisker" x1={band.center} x2={band.center} y1={g.whiskerTopY} y2={g.boxTop} />
              <line className="mx-whisker" x1={band.center} x2={band.center} y1={g.boxTop + g.boxHeight} y2={g.whiskerBottomY} />
              <line className="mx-whisker" x1={band.center - capHalf} x2={band.center + capHalf} y1={g.whiskerTopY} y2={g.whiskerTopY} />
              <line
                className="mx-whisker"
                x1={band.center - capHalf}
                x2={band.center + capHalf}
                y1={g.whiskerBottomY}
                y2={g.whiskerBottomY}
              />
              <rect className="mx-box-body" x={boxStart} y={g.boxTop} width={boxWidth} height={g.boxHeight} rx={3} />
              <line className="mx-median" x1={boxStart} x2={boxStart + boxWidth} y1={g.medianY} y2={g.medianY} />
              {g.outlierYs.map((oy, k) => (
                <circle key={k} className="mx-outlier" data-testid="metrics-outlier" cx={band.center} cy={oy} r={3.5} />
              ))}
              <text className="mx-label" x={band.center} y={plot.bottom + 18} textAnchor="middle">
                {shorten(site.siteName, maxChars)}
              </text>
              <text className="mx-label mx-label-n" x={band.center} y={plot.bottom + 36} textAnchor="middle">
                {t('metrics.cases', { n: box.n })}
              </text>
            </g>
          );
        })}
      </ChartFrame>
    </div>
  );
}

interface MonthlyLineProps {
  metricLabel: string;
  months: readonly MonthMedian[];
  ticks: readonly number[];
  testId: string;
}

/** The monthly median as a line with a dot per month that had cases; a month without any breaks the line. */
export function MonthlyLine({ metricLabel, months, ticks, testId }: MonthlyLineProps) {
  const { t, lang } = useI18n();
  const locale = LOCALES[lang];
  const [ref, width] = useWidth<HTMLDivElement>();
  const plot = plotArea(width);
  const y = valueScale(ticks, plot);
  const slots = bands(months.length, [plot.left, plot.right], 0);
  const points = months.map((m, i) => (m.median === null ? null : { x: slots[i]!.center, y: y(m.median) }));
  // "janv. 26" at 12 units is about 48 wide; 60 per label leaves a visible gap between neighbours.
  const labelled = labelledIndexes(months.length, Math.floor((plot.right - plot.left) / 60));
  const any = points.some((p) => p !== null);
  const summary = months
    .map((m) =>
      m.median === null
        ? t('metrics.chart.months.none', { month: monthLabel(m.month, locale) })
        : t('metrics.chart.months.item', { month: monthLabel(m.month, locale), median: formatMinutes(m.median), n: m.n }),
    )
    .join(' ; ');
  return (
    <div className="mx-chart-box" ref={ref}>
      <ChartFrame
        title={`${metricLabel} — ${t('metrics.byMonth')}`}
        description={t('metrics.chart.months.label', { metric: metricLabel, summary: any ? summary : t('metrics.noData') })}
        ticks={ticks}
        plot={plot}
        empty={!any}
        testId={testId}
      >
        <g aria-hidden="true">
          {months.map((m, i) =>
            labelled.has(i) ? (
              <text key={m.month} className="mx-label" x={slots[i]!.center} y={plot.bottom + 18} textAnchor="middle">
                {monthLabel(m.month, locale)}
              </text>
            ) : (
              <line key={m.month} className="mx-tick" x1={slots[i]!.center} x2={slots[i]!.center} y1={plot.bottom} y2={plot.bottom + 4} />
            ),
          )}
        </g>
        {/* The month's middle half of cases behind its median: how spread the month was, not only where it sat. */}
        {months.map((m, i) => {
          if (m.p25 == null || m.p75 == null || m.median === null) return null;
          const top = y(m.p75);
          const barWidth = Math.min(Math.max(slots[i]!.width * 0.35, 4), 14);
          return (
            <rect
              key={m.month}
              className="mx-month-iqr"
              data-testid="metrics-month-iqr"
              data-month={m.month}
              x={slots[i]!.center - barWidth / 2}
              y={top}
              width={barWidth}
              height={Math.max(y(m.p25) - top, 1)}
              rx={2}
            />
          );
        })}
        <path className="mx-line" d={linePath(points)} data-testid="metrics-line" />
        {months.map((m, i) => {
          const p = points[i];
          if (!p || m.median === null) return null;
          return (
            <circle
              key={m.month}
              className="mx-point"
              data-testid="metrics-point"
              data-month={m.month}
              data-value={m.median}
              data-n={m.n}
              cx={p.x}
              cy={p.y}
              r={4.5}
            >
              <title>
                {t('metrics.point.title', {
                  month: monthLabel(m.month, locale),
                  median: formatMinutes(m.median),
                  q1: m.p25 == null ? '—' : formatMinutes(m.p25),
                  q3: m.p75 == null ? '—' : formatMinutes(m.p75),
                  n: m.n,
                })}
              </title>
            </circle>
          );
        })}
      </ChartFrame>
    </div>
  );
}
