import {
  cloudEndpointOf,
  connectionOf,
  hostNamesIn,
  isMetadataAddress,
  isNonPublicAddress,
  listedAddress,
  listedDomainIn,
  listedPort,
  metadataEndpointNamed,
  normalizeAddress,
} from '../../../../shared/detection/predicates/nodeNetwork';
import { compilePatternList } from '../../../../shared/detection/patternList';
import { fileAccessEvent, kprobeEvent, processConnectEvent, tcpConnectEvent } from '../../../../shared/node/exampleNodeEvents';
import { type NodeEvent } from '../../../../shared/node/nodeEvent';
import { nodeRecordOf } from '../../../support/ruleHarness';

function eventOf(raw: Record<string, unknown>): NodeEvent {
  return nodeRecordOf(raw).event;
}

describe('nodeNetwork', () => {
  describe('connectionOf', () => {
    it('when a tcp_connect kprobe carries a socket, then its remote and local ends are the connection', () => {
      expect(connectionOf(eventOf(tcpConnectEvent({ daddr: '169.254.169.254', dport: 80, saddr: '10.244.1.47', sport: 43718 })))).toEqual({
        daddr: '169.254.169.254',
        dport: 80,
        saddr: '10.244.1.47',
        sport: 43718,
        protocol: 'IPPROTO_TCP',
      });
    });

    it('when a book-era process_connect is read, then its destination is the connection', () => {
      expect(connectionOf(eventOf(processConnectEvent({ destinationIp: '203.0.113.50', destinationPort: 6667 })))).toMatchObject({ daddr: '203.0.113.50', dport: 6667 });
    });

    it('when the address is IPv4-mapped IPv6, then it reads as IPv4', () => {
      expect(connectionOf(eventOf(tcpConnectEvent({ daddr: '::ffff:169.254.169.254', dport: 80 })))?.daddr).toBe('169.254.169.254');
    });

    it('when a kprobe is not a connect, then there is no connection', () => {
      expect(connectionOf(eventOf(fileAccessEvent({ path: '/etc/hosts' })))).toBeUndefined();
      expect(connectionOf(eventOf(kprobeEvent({ functionName: 'tcp_close', args: [{ sock_arg: { daddr: '20.42.65.92', dport: 443 } }] })))).toBeUndefined();
    });
  });

  describe('normalizeAddress', () => {
    it('when an IPv6 address has brackets, a zone and capitals, then they are dropped', () => {
      expect(normalizeAddress('[FE80::1%eth0]')).toBe('fe80::1');
    });
  });

  describe('cloud endpoints', () => {
    it('when a connection goes to 169.254.169.254 or AWS\'s IPv6 endpoint, then it is the metadata service', () => {
      expect(isMetadataAddress('169.254.169.254')).toBe(true);
      expect(isMetadataAddress('fd00:ec2::254')).toBe(true);
      expect(cloudEndpointOf({ daddr: '169.254.169.254', dport: 80 })).toBe('instance metadata service');
    });

    it('when a connection goes to WireServer outside DNS, then it is WireServer', () => {
      expect(cloudEndpointOf({ daddr: '168.63.129.16', dport: 80 })).toBe('Azure WireServer');
      expect(cloudEndpointOf({ daddr: '168.63.129.16', dport: 32526 })).toBe('Azure WireServer');
    });

    it('when a connection is a DNS query to 168.63.129.16, then it is not a cloud endpoint', () => {
      expect(cloudEndpointOf({ daddr: '168.63.129.16', dport: 53 })).toBeUndefined();
    });

    it('when a command line names the managed identity token endpoint, then it is found', () => {
      expect(metadataEndpointNamed('curl -H Metadata:true http://169.254.169.254/metadata/identity/oauth2/token?resource=x')).toBe('managed identity token endpoint');
      expect(metadataEndpointNamed('curl http://localhost:8080/healthz')).toBeUndefined();
    });
  });

  describe('isNonPublicAddress', () => {
    it.each(['10.0.0.10', '172.16.5.4', '172.31.255.1', '192.168.1.1', '127.0.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00:10:244::2f', 'fe80::1'])(
      'when the address is %s, then it is not on the internet',
      (address) => {
        expect(isNonPublicAddress(address)).toBe(true);
      },
    );

    it.each(['20.42.65.92', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888'])('when the address is %s, then it is public', (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    });
  });

  describe('lists', () => {
    it('when an address is listed, then the entry is returned for its IPv4-mapped form too', () => {
      const list = compilePatternList(['203.0.113.50']);
      expect(listedAddress('::ffff:203.0.113.50', list)).toBe('203.0.113.50');
      expect(listedAddress('203.0.113.51', list)).toBeUndefined();
    });

    it('when a port is listed, then it is returned unless it is a common web or mail port', () => {
      const list = compilePatternList(['3333', '8080', '25']);
      expect(listedPort({ daddr: '198.51.100.23', dport: 3333 }, list)).toBe('3333');
      expect(listedPort({ daddr: '198.51.100.23', dport: 8080 }, list)).toBeUndefined();
      expect(listedPort({ daddr: '198.51.100.23', dport: 25 }, list)).toBeUndefined();
      expect(listedPort({ daddr: '198.51.100.23' }, list)).toBeUndefined();
    });
  });

  describe('domains in command lines', () => {
    it('when a command line holds URLs and host:port pairs, then their host names are found', () => {
      expect(hostNamesIn('xmrig -o stratum+tcp://XMR.pool.example.org:443 --url=pool2.example.net:3333 -p x')).toEqual(['xmr.pool.example.org', 'pool2.example.net']);
    });

    it('when a host is under a listed domain, then the domain matches', () => {
      expect(listedDomainIn('-o stratum+tcp://xmr.pool.example.org:443', compilePatternList(['pool.example.org']))).toEqual({ host: 'xmr.pool.example.org', entry: 'pool.example.org' });
      expect(listedDomainIn('curl https://xmr-eu1.nanopool.org/', compilePatternList(['*.nanopool.org']))).toEqual({ host: 'xmr-eu1.nanopool.org', entry: '*.nanopool.org' });
    });

    it('when a host only shares the parent domain with a listed one, then it does not match', () => {
      expect(listedDomainIn('curl https://notpool.example.org/', compilePatternList(['pool.example.org']))).toBeUndefined();
    });
  });
});
