/**
 * The part of OpenTelemetry's `Meter` (`@opentelemetry/api`) that {@link portaMetrics} uses, written
 * out so that `@porta/core` needs neither the package nor its types: pass
 * `metrics.getMeter('porta')` (a no-op until an SDK registers a `MeterProvider`).
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * const meter: MeterLike = metrics.getMeter('porta');
 * ```
 */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptions): SyncInstrument;
  createUpDownCounter(name: string, options?: InstrumentOptions): SyncInstrument;
  createHistogram(name: string, options?: InstrumentOptions): HistogramInstrument;
  createObservableCounter(name: string, options?: InstrumentOptions): ObservableInstrument;
  createObservableUpDownCounter(name: string, options?: InstrumentOptions): ObservableInstrument;
}

/** Attributes of one measurement: OpenTelemetry's `Attributes`, with the values porta sets. */
export type MetricAttributes = Record<string, string | number>;

/** An instrument's description and unit (UCUM: `s`, `By`, `{message}`). */
export interface InstrumentOptions {
  readonly description?: string;
  readonly unit?: string;
}

/** A counter or up-down counter. */
export interface SyncInstrument {
  add(value: number, attributes?: MetricAttributes): void;
}

/** A histogram. */
export interface HistogramInstrument {
  record(value: number, attributes?: MetricAttributes): void;
}

/** What an observable instrument's callback reports to. */
export interface ObservableResultLike {
  observe(value: number, attributes?: MetricAttributes): void;
}

/** An observable (asynchronous) instrument, read by a callback at each collection. */
export interface ObservableInstrument {
  addCallback(callback: (result: ObservableResultLike) => void): void;
  removeCallback(callback: (result: ObservableResultLike) => void): void;
}
