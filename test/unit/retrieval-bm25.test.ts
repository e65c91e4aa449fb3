import { analyze, Bm25Index } from '../../bench/retrieval/bm25';
import { pageText } from '../../bench/retrieval/page-text';

describe('the analyzer', () => {
  it('lower-cases, drops stop words and stems with Porter', () => {
    expect(analyze('The Rollback of Transactions is ABORTING them')).toEqual([
      'rollback',
      'transact',
      'abort',
    ]);
  });

  it('splits identifiers at punctuation, as the words of a question would be', () => {
    expect(analyze('statement_timeout pg_dump.c')).toEqual(['statement', 'timeout', 'pg', 'dump', 'c']);
  });
});

describe('BM25 over whole pages', () => {
  const pages = [
    { id: 'rollback', title: 'ROLLBACK', text: 'abort the current transaction and discard all its updates' },
    { id: 'commit', title: 'COMMIT', text: 'commit the current transaction; all changes become visible' },
    { id: 'vacuum', title: 'VACUUM', text: 'garbage-collect and optionally analyze a database' },
    { id: 'long', title: 'Notes', text: `${'filler '.repeat(200)} transaction` },
  ];
  const index = new Bm25Index(pages);

  it('ranks the page whose words match the query first', () => {
    expect(index.search('abort a transaction', 10).map((hit) => hit.id)[0]).toBe('rollback');
    expect(index.search('vacuum the database', 10).map((hit) => hit.id)).toEqual(['vacuum']);
  });

  it('leaves out pages with no query term, and answers nothing to stop words alone', () => {
    expect(index.search('garbage', 10).map((hit) => hit.id)).toEqual(['vacuum']);
    expect(index.search('the of and', 10)).toEqual([]);
  });

  it('favours a short page over a long one with the same term once (length normalisation, b)', () => {
    const ranked = index.search('transaction', 10).map((hit) => hit.id);
    expect(ranked.indexOf('long')).toBe(ranked.length - 1);
  });

  it('weights a word of the title above the same word in the body', () => {
    const titled = new Bm25Index([
      { id: 'in-title', title: 'checkpoint', text: 'write dirty buffers to disk' },
      { id: 'in-body', title: 'buffers', text: 'checkpoint write dirty to disk' },
    ]);
    expect(titled.search('checkpoint', 10).map((hit) => hit.id)).toEqual(['in-title', 'in-body']);
  });

  it('computes the textbook score for one term', () => {
    const single = new Bm25Index(
      [
        { id: 'a', title: '', text: 'lock lock table' },
        { id: 'b', title: '', text: 'row' },
      ],
      { k1: 1.2, b: 0.75, titleWeight: 3 },
    );
    const idf = Math.log(1 + (2 - 1 + 0.5) / (1 + 0.5));
    const averageLength = (3 + 1) / 2;
    const expected = (idf * 2 * 2.2) / (2 + 1.2 * (1 - 0.75 + (0.75 * 3) / averageLength));
    expect(single.search('locks', 10)).toEqual([{ id: 'a', score: expect.closeTo(expected, 12) as number }]);
  });

  it('orders equal scores by id, so runs repeat', () => {
    const tied = new Bm25Index([
      { id: 'b', title: '', text: 'index' },
      { id: 'a', title: '', text: 'index' },
    ]);
    expect(tied.search('index', 10).map((hit) => hit.id)).toEqual(['a', 'b']);
  });
});

describe('page text', () => {
  it('reads the title and visible text, not the head or scripts, and separates block elements', () => {
    const html =
      '<?xml version="1.0"?><html><head><title>ROLLBACK</title><style>p{}</style></head>' +
      '<body><h1>ROLLBACK</h1><p>abort the<b>current</b> transaction</p><p>next&amp;last</p>' +
      '<script>var x = 1;</script></body></html>';
    expect(pageText(html)).toEqual({
      title: 'ROLLBACK',
      text: 'ROLLBACK abort thecurrent transaction next&last',
    });
  });
});
