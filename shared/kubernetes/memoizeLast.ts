/**
 * Remembers the result for the last argument only. The engine evaluates every rule over one event
 * before the next, so the views several rules ask for (the written object, its containers) are
 * computed once per event, without the garbage-collection cost a WeakMap over every event would have.
 */
export function memoizeLast<Key extends object, Value>(compute: (key: Key) => Value): (key: Key) => Value {
  let lastKey: Key | undefined;
  let lastValue: Value | undefined;
  return (key: Key): Value => {
    if (key !== lastKey) {
      lastValue = compute(key);
      lastKey = key;
    }
    return lastValue as Value;
  };
}
