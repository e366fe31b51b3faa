export const APP_NODE_ARGS: Readonly<Record<string, readonly string[]>>;
export function nodeArgsOf(app: string): readonly string[];
