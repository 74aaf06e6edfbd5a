/** The package ships no types: what the tests use of it (a Prometheus text-format parser). */
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
