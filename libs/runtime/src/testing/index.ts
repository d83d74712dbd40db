export * from './servers';
export * from './otlp-receiver';
