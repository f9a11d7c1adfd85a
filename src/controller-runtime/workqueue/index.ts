// The folder's surface: the controller work queue and the rate limiters that pace its retries.
export { type Clock, systemClock } from './clock.js';
export {
  BucketRateLimiter,
  type BucketRateLimiterOptions,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  type ItemExponentialFailureRateLimiterOptions,
  MaxOfRateLimiter,
  type RateLimiter,
} from './rate-limiters.js';
export {
  type AddOptions,
  LOW_PRIORITY,
  NORMAL_PRIORITY,
  type WorkItem,
  WorkQueue,
  type WorkQueueOptions,
} from './workqueue.js';
