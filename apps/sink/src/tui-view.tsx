/**
 * The ink component of the TUI. ink is ESM-only and this package compiles to
 * CommonJS, so the component is built from the module object that
 * `await import('ink')` returned instead of importing ink statically.
 */
import * as React from 'react';
import type { KeyInfo, TuiModel } from './tui-model';

export type InkModule = typeof import('ink', { with: { 'resolution-mode': 'import' } });

export interface TuiAppProps {
  model: TuiModel;
  /** Repaints per second while messages stream in; keys repaint at once. */
  fps?: number;
}

export function createTuiApp(ink: InkModule): (props: TuiAppProps) => React.ReactElement {
  const { Box, Text, useInput, useStdin, useStdout } = ink;

  return function TuiApp({ model, fps = 10 }: TuiAppProps): React.ReactElement {
    const [, setTick] = React.useState(0);
    const { stdout } = useStdout();

    // Thousands of messages a second must not mean thousands of renders: coalesce.
    React.useEffect(() => {
      let timer: NodeJS.Timeout | undefined;
      let last = 0;
      const interval = 1000 / fps;
      const unsubscribe = model.subscribe(() => {
        if (timer) return;
        timer = setTimeout(() => {
          timer = undefined;
          last = Date.now();
          setTick((t) => t + 1);
        }, Math.max(0, last + interval - Date.now()));
      });
      return () => {
        unsubscribe();
        if (timer) clearTimeout(timer);
      };
    }, [model, fps]);

    React.useEffect(() => {
      // One line short of the terminal: a frame as tall as the screen makes ink clear it on every paint.
      const resize = () => model.setSize(stdout.columns || 100, Math.max(5, (stdout.rows || 25) - 1));
      resize();
      stdout.on('resize', resize);
      return () => {
        stdout.off('resize', resize);
      };
    }, [model, stdout]);

    // With stdin not a terminal (mcpspy < /dev/null) ink cannot read keys; asking it to would crash the render.
    const { isRawModeSupported } = useStdin();
    useInput(
      (input: string, key: KeyInfo) => {
        model.key(input, key);
        setTick((t) => t + 1);
      },
      { isActive: isRawModeSupported === true },
    );

    const lines = model.screen();
    return (
      <Box flexDirection="column">
        {lines.map((line, i) => (
          <Text key={i} wrap="truncate">
            {/* ink gives an empty Text no height; a blank keeps the key line at the bottom. */}
            {line.every((seg) => seg.text === '')
              ? ' '
              : line.map((s, j) => (
                  <Text key={j} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
                    {s.text}
                  </Text>
                ))}
          </Text>
        ))}
      </Box>
    );
  };
}
