import { compileThreatIntelFeeds, parseThreatIntelFeedLines } from '../../../shared/intel/threatIntelFeed';

describe('parseThreatIntelFeedLines', () => {
  it('when a feed has more valid entries than the cap, then the first are kept and the rest counted as dropped', () => {
    const parsed = parseThreatIntelFeedLines('93.95.230.253\n23.184.48.209\n185.244.195.103\n', 'tor-exit', 2);
    expect(parsed).toMatchObject({ ips: ['93.95.230.253', '23.184.48.209'], entryCount: 2, droppedEntries: 1, skippedLines: 0 });
  });

  it('when a domain feed has host names, wildcards and addresses, then host names are kept and addresses refused', () => {
    const parsed = parseThreatIntelFeedLines('# TeamTNT\nteamtnt.red\n*.kiss.a-dog.top\n45.9.148.35\n', 'domain');
    expect(parsed).toMatchObject({ domains: ['teamtnt.red', '*.kiss.a-dog.top'], entryCount: 2, skippedLines: 1 });
  });
});

describe('compileThreatIntelFeeds', () => {
  const feed = { name: 'tor-bulk-exit-list', kind: 'tor-exit' as const, ips: ['23.128.248.60'], cidrs: [], domains: [] };

  it('when a Tor exit feed has entries, then it is the matcher\'s torExitFeeds and not a threat list', () => {
    const matcher = compileThreatIntelFeeds([feed]);
    expect(matcher.torExitFeeds?.matchAddress('23.128.248.60')).toEqual({ list: 'tor-bulk-exit-list', entry: '23.128.248.60', origin: 'feed' });
    expect(matcher.matchAddress('23.128.248.60')).toBeUndefined();
  });

  it('when a stored feed has no entries (never fetched), then it replaces nothing', () => {
    expect(compileThreatIntelFeeds([{ ...feed, ips: [] }]).torExitFeeds).toBeUndefined();
  });
});
