export const routesSource: string;
export function routePatterns(source?: string): RegExp[];
export function routeOf(patterns: RegExp[], path: string): RegExp | undefined;
export function unvisited(patterns: RegExp[], paths: string[]): RegExp[];
