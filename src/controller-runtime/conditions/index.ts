// The folder's public surface: reconcilers import conditions helpers from here.
export * from './condition.js';
export * from './condition-order.js';
export * from './setter.js';
export * from './mirror.js';
export * from './summary.js';
export * from './aggregate.js';
export * from './merge-strategy.js';
export * from './condition-patch.js';
export * from './reasons.js';
export * from './errors.js';
export { formatConditionTime } from './time.js';
