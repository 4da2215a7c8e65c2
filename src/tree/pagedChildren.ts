import { errorText, log } from '../logging';
import type { PagedList } from '../core/util/pagedList';
import { LoadMoreNode } from './loadMoreNode';
import { MessageNode } from './messageNode';
import type { ExplorerNode, PagedNode } from './node';

/** Children of a paged branch: the first page on first expand, then what "Load more" added. */
export async function pagedChildren<T>(
  node: PagedNode,
  list: PagedList<T>,
  make: (item: T) => ExplorerNode,
  emptyText: string,
): Promise<ExplorerNode[]> {
  try {
    if (!list.isLoaded) await list.loadMore();
  } catch (e) {
    log().error(`${node.id}: ${errorText(e)}`);
    return [new MessageNode(`${node.id}/error`, errorText(e), 'error', node)];
  }
  const nodes = list.items.map(make);
  if (!nodes.length) return [new MessageNode(`${node.id}/empty`, emptyText, 'empty', node)];
  if (list.hasMore) nodes.push(new LoadMoreNode(node, list.items.length, list.totalSize));
  return nodes;
}
