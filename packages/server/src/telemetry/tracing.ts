import type { Attributes, Span, Tracer as OtelTracer } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';

export interface TracingSettings {
  /** OTLP/HTTP traces endpoint; tracing is off without one. */
  endpoint?: string | undefined;
  serviceName: string;
  sampleRatio: number;
}

/** A request's span, ended when the response is done. */
export interface RequestSpan {
  /** Run the rest of the request inside this span, so store calls become its children. */
  enter(next: () => void): void;
  end(status: number, route: string | undefined): void;
}

/**
 * What the provider asks of tracing. When tracing is off every method is a no-op and none of the OpenTelemetry
 * packages is loaded: their import happens in `startTracing`, only when an endpoint is configured.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Run `fn` in a child span of the current one (or a new trace when there is none). */
  span<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T>;
  /** A span for an HTTP request, continuing the caller's trace when it sends `traceparent`. */
  request(method: string, url: string, headers: IncomingHttpHeaders): RequestSpan;
  /** A span that already happened (a store query: Kysely reports its duration afterwards). Only inside a trace. */
  record(name: string, attributes: Attributes, durationMs: number, failed: boolean): void;
  /** Flush spans not yet exported. */
  shutdown(): Promise<void>;
}

const noRequestSpan: RequestSpan = { enter: (next) => next(), end: () => undefined };

export const noTracing: Tracing = {
  enabled: false,
  span: (_name, _attributes, fn) => fn(),
  request: () => noRequestSpan,
  record: () => undefined,
  shutdown: async () => undefined,
};

/** Start exporting spans to the configured endpoint, or return the no-op tracing when none is set. */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (!settings.endpoint) return noTracing;
  const [api, core, sdk, otlp, resources, semconv, als] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  // Parent/child links ride AsyncLocalStorage. The context manager is process-wide; a second provider in the same
  // process (tests) finds it registered already and shares it.
  api.context.setGlobalContextManager(new als.AsyncLocalStorageContextManager().enable());
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: settings.serviceName }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new sdk.BatchSpanProcessor(new otlp.OTLPTraceExporter({ url: settings.endpoint }))],
  });
  const tracer: OtelTracer = provider.getTracer('adieu');
  const propagator = new core.W3CTraceContextPropagator();
  const { SpanKind, SpanStatusCode } = api;

  const fail = (span: Span, e: unknown) => {
    span.recordException(e instanceof Error ? e : String(e));
    span.setStatus({ code: SpanStatusCode.ERROR });
  };

  return {
    enabled: true,
    span(name, attributes, fn) {
      return tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await fn();
        } catch (e) {
          fail(span, e);
          throw e;
        } finally {
          span.end();
        }
      });
    },
    request(method, url, headers) {
      const parent = propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
      const span = tracer.startSpan(
        method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [semconv.ATTR_HTTP_REQUEST_METHOD]: method,
            [semconv.ATTR_URL_PATH]: url.split('?')[0] ?? url,
          },
        },
        parent,
      );
      let ended = false;
      return {
        enter(next) {
          api.context.with(api.trace.setSpan(parent, span), next);
        },
        end(status, route) {
          if (ended) return;
          ended = true;
          if (route) {
            span.setAttribute(semconv.ATTR_HTTP_ROUTE, route);
            span.updateName(`${method} ${route}`);
          }
          span.setAttribute(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    record(name, attributes, durationMs, failed) {
      const active = api.context.active();
      if (!api.trace.getSpan(active)) return;
      const end = Date.now();
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.CLIENT, attributes, startTime: end - durationMs },
        active,
      );
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(end);
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
