export { SinkEngine, DEFAULT_VERDICT_TIMEOUT_MS, type SinkOptions } from './sink-engine';
export { formatConsoleLine, formatAlertBlock, type FormatOptions } from './console-format';
export { messageToJsonl, alertToJsonl } from './jsonl-format';
export { JsonlWriter, type JsonlWriterOptions, type JsonlWriterStats } from './jsonl-writer';
export { VerdictGate, VERDICT_METHODS, awaitsVerdict, type GateItem, type VerdictGateOptions } from './verdict-gate';
export { TuiModel, type TuiModelOptions, type Row, type Line, type Seg, type KeyInfo, type Filters } from './tui-model';
export { startTui, type TuiHandle, type TuiStartOptions } from './tui';
export * from './errors';
