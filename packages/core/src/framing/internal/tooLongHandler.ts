// The too-long policy of one subscription of decodeWith; not part of the public API.
import type { Subscriber } from 'rxjs';
import type { FrameTooLongError } from '../../errors.js';
import type { BoundedDecoderOptions, TooLongPolicy } from '../decoder.js';

/**
 * The too-long policy of one subscription: the returned function errors `subscriber` with the error
 * (`'error'`), or counts the drop and tells `onDrop` (`'skip'`). It returns false when the output has
 * errored (by the policy, or because `onDrop` threw).
 */
export function tooLongHandler(
  options: { readonly onTooLong?: TooLongPolicy; readonly onDrop?: BoundedDecoderOptions['onDrop'] },
  subscriber: Subscriber<unknown>,
): (error: FrameTooLongError) => boolean {
  const skip = (options.onTooLong ?? 'error') === 'skip';
  const onDrop = options.onDrop;
  let dropped = 0;
  return (error) => {
    if (!skip) {
      subscriber.error(error);
      return false;
    }
    dropped++;
    try {
      onDrop?.(error, dropped);
    } catch (callbackError) {
      subscriber.error(callbackError);
      return false;
    }
    return true;
  };
}
