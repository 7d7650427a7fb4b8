/**
 * `make(key)` made once per key (a connection, a store) and kept while the key lives: statements prepared once per
 * database, what a connection remembers between queries.
 */
export function oncePer<K extends object, T>(make: (key: K) => T): (key: K) => T {
  const made = new WeakMap<K, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}
