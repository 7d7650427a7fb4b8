import { type EventFilter, SearchWithoutWordsError, typeCodes, verdictCodes } from "@vigil/db";
import { globToRegex } from "./glob";
import { int, list, str } from "./literal";
import { phraseNeedle, words } from "./words";

/** The explorer's filter as ClickHouse conditions on `events`, meaning what queryEvents means in SQLite. */
export function filterConditions(filter: EventFilter): string[] {
  const where: string[] = [];
  if (filter.sinceNs !== undefined) where.push(`time_ns >= ${int(filter.sinceNs)}`);
  if (filter.untilNs !== undefined) where.push(`time_ns < ${int(filter.untilNs)}`);
  if (filter.types?.length) where.push(`type IN (${list(filter.types.map((t) => int(typeCodes[t])))})`);
  if (filter.host !== undefined)
    where.push(`(host_id = ${str(filter.host)} OR host_name = ${str(filter.host)})`);
  if (filter.pid !== undefined) where.push(`pid = ${int(filter.pid)}`);
  if (filter.verdicts?.length)
    where.push(`verdict IN (${list(filter.verdicts.map((v) => int(verdictCodes[v])))})`);
  if (filter.uid !== undefined) where.push(`uid = ${int(filter.uid)}`);
  if (filter.exe !== undefined) {
    const pattern = str(globToRegex(filter.exe));
    where.push(`(match(exe, ${pattern}) OR match(filename, ${pattern}))`);
  }
  if (filter.parentExe !== undefined) {
    where.push(`parent_pid >= 0 AND match(parent_exe, ${str(globToRegex(filter.parentExe))})`);
  }
  if (filter.q !== undefined) {
    if (words(filter.q).length === 0)
      throw new SearchWithoutWordsError("text search needs a letter or digit");
    const needle = str(phraseNeedle(filter.q));
    where.push(`(position(words, ${needle}) > 0 OR position(file_words, ${needle}) > 0)`);
  }
  return where;
}
