// A list the server hands out page by page. It keeps what was loaded, the next
// page token, and the sort and filter the token was issued for (the server
// rejects a token used with other criteria), and loads one page at a time:
// nothing ever enumerates a whole collection.
import type { Filter, ListOptions, Page } from '../kfp/types';

export type PageLoader<T> = (options: ListOptions, signal?: AbortSignal) => Promise<Page<T>>;

export class PagedList<T> {
  private loaded: T[] = [];
  private token?: string;
  private started = false;
  private inFlight?: Promise<number>;
  totalSize?: number;

  constructor(
    private readonly load: PageLoader<T>,
    readonly pageSize: number,
    readonly sortBy?: string,
    readonly filter?: Filter,
  ) {}

  get items(): readonly T[] { return this.loaded; }
  get hasMore(): boolean { return !this.started || Boolean(this.token); }
  get isLoaded(): boolean { return this.started; }

  /** Loads the next page; returns how many items it added. Concurrent calls share one request. */
  loadMore(signal?: AbortSignal): Promise<number> {
    if (this.started && !this.token) return Promise.resolve(0);
    this.inFlight ??= (async () => {
      try {
        const page = await this.load({ pageSize: this.pageSize, pageToken: this.token, sortBy: this.sortBy, filter: this.filter }, signal);
        this.loaded = this.loaded.concat(page.items);
        this.token = page.nextPageToken;
        this.totalSize = page.totalSize;
        this.started = true;
        return page.items.length;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** Replaces an item in place (e.g. a run whose state changed). */
  replace(pred: (x: T) => boolean, next: T): boolean {
    const i = this.loaded.findIndex(pred);
    if (i < 0) return false;
    this.loaded[i] = next;
    return true;
  }

  remove(pred: (x: T) => boolean): void {
    this.loaded = this.loaded.filter((x) => !pred(x));
  }
}
