import type { Linter } from 'eslint';

export declare const boundaries: Linter.Config;
declare const config: Linter.Config[];
export default config;
