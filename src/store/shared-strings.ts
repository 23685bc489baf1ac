/**
 * Records read back from the database share their repeated strings. JSON.parse makes a new
 * string for every value, so after a restart each of 100,000 ports held its own copy of its
 * network's id, its subnet's id, its security group's id and its timestamps. References (`…_id`),
 * timestamps (`…_at`) and the strings inside lists are looked up in `seen`, one table for one
 * load, and the first copy is kept.
 */
export function shareStrings(record: Record<string, unknown>, seen: Map<string, string>): void {
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (typeof value === 'string') {
      if (key !== 'id' && (key.endsWith('_id') || key.endsWith('_at'))) record[key] = share(value, seen);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') value[i] = share(item, seen);
        else if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
          const inner = item as Record<string, unknown>;
          for (const k of Object.keys(inner)) {
            const v = inner[k];
            if (typeof v === 'string' && k.endsWith('_id')) inner[k] = share(v, seen);
          }
        }
      }
    }
  }
}

function share(value: string, seen: Map<string, string>): string {
  const known = seen.get(value);
  if (known !== undefined) return known;
  seen.set(value, value);
  return value;
}
