import { type DetectionLists } from './allowLists';

/**
 * The built-in process lists of the node rules (see {@link DetectionLists} for what each means). Entries are
 * case-insensitive globs matched against a binary's full path and its file name, so `bash` matches
 * `/usr/bin/bash` and `python3*` matches `/usr/local/bin/python3.12`.
 */
export const nodeProcessListDefaults: Pick<
  DetectionLists,
  'webServers' | 'shells' | 'reconCommands' | 'minerBinaries' | 'attackToolBinaries' | 'securityAgents' | 'downloadTools'
> = {
  webServers: [
    // Web servers: a shell under one of these is a web shell or a command injection.
    'nginx', 'httpd', 'httpd-foreground', 'apache', 'apache2', 'lighttpd', 'caddy', 'openresty', 'h2o', 'hiawatha',
    // PHP, CGI and WSGI servers.
    'php-fpm*', 'php-cgi*', 'php*-fpm', 'uwsgi', 'gunicorn', 'hypercorn', 'uvicorn', 'fcgiwrap',
    // Application runtimes that serve web applications (Tomcat, Spring, Express, Django, Rails, ASP.NET Core).
    // They start commands of their own more often, so the web-shell rule asks more of a shell under one of these.
    'java', 'node', 'nodejs', 'python*', 'ruby*', 'php*', 'perl', 'dotnet',
    'bun', 'deno', 'beam.smp',
  ],
  shells: ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'pdksh', 'csh', 'tcsh', 'fish', 'busybox', 'rbash', 'rzsh'],
  reconCommands: [
    'whoami', 'id', 'uname', 'hostname', 'groups', 'w', 'who', 'last', 'lastlog', 'users',
    'ifconfig', 'ip', 'netstat', 'ss', 'arp', 'route', 'nslookup', 'dig', 'host',
    'ps', 'env', 'printenv', 'getent', 'lsb_release', 'hostnamectl', 'capsh', 'lscpu', 'lsblk', 'mount', 'df',
  ],
  minerBinaries: [
    'xmrig', 'xmrig-*', 'xmrig_*', 'xmr-stak*', 'xmrstak*', 'xmr-miner', 'xmrminer', 'minerd', 'cpuminer', 'cpuminer-*',
    'ccminer', 'cgminer', 'bfgminer', 'sgminer', 'ethminer', 'nbminer', 't-rex', 'lolminer', 'phoenixminer', 'nanominer',
    'teamredminer', 'srbminer*', 'wildrig*', 'hellminer', 'kawpowminer', 'bzminer', 'xmr-stak-rx', 'nheqminer', 'claymore*',
    'moneroocean*', 'c3pool*', 'kdevtmpfsi', 'kinsing', 'pnscan-miner',
  ],
  attackToolBinaries: [
    // Network scanners and brute forcers.
    'nmap', 'masscan', 'zmap', 'rustscan', 'naabu', 'hydra', 'medusa', 'ncrack', 'sqlmap', 'nikto', 'gobuster', 'ffuf',
    'dirb', 'nuclei', 'pnscan', 'zgrab*',
    // Linux privilege-escalation and enumeration scripts.
    'linpeas*', 'linenum*', 'lse.sh', 'linux-exploit-suggester*', 'les.sh', 'pspy*', 'traitor', 'mimipenguin*',
    // Kubernetes and container-escape toolkits.
    'peirates', 'kube-hunter', 'kubehunter', 'kubeletctl', 'cdk', 'cdk_linux_*', 'deepce*', 'amicontained', 'botb', 'kdigger',
    'kubesploit*', 'kubestroyer', 'kube-goat', 'kubiscan*', 'rbac-police', 'ctrsploit', 'dirtycow*', 'dirtypipe*',
    // Tunnels and command-and-control agents.
    'chisel', 'frpc', 'frps', 'ligolo*', 'gost', 'revsocks', 'sliver*', 'sandcat*', 'msfconsole', 'msfvenom', 'meterpreter*',
  ],
  securityAgents: [
    // Runtime sensors.
    'falco', 'falco-*', 'falcoctl', 'tetragon', 'tracee', 'kubearmor*', 'sysdig', 'dragent', 'sysdig-agent*',
    // Microsoft: Azure Monitor, Container Insights, Defender for Endpoint and Defender for Containers.
    'ama-logs*', 'omsagent*', 'omiagent', 'mdsd', 'amacoreagent', 'azuremonitoragent*', 'mdatp', 'wdavdaemon*', 'microsoft-defender*', 'mdc-*',
    // Linux auditing and integrity.
    'auditd', 'audispd', 'osqueryd', 'osquery*', 'aide', 'apparmor', 'firewalld', 'ufw', 'rsyslog*', 'syslog-ng', 'systemd-journald',
    // Third-party EDR and cloud workload protection.
    'falcon-sensor*', 'falcond', 'cbagentd', 'cbsensor', 'sentinelone*', 'sentinelagent', 's1-agent', 'ds_agent', 'aqua-enforcer*',
    'twistlock-defender*', 'wazuh-agent*', 'wazuh-*', 'ossec*', 'elastic-agent', 'elastic-endpoint', 'auditbeat', 'datadog-agent',
    'system-probe', 'security-agent', 'qualys-cloud-agent*', 'nessus-agent', 'nessusagent',
  ],
  downloadTools: ['curl', 'wget', 'fetch', 'aria2c', 'axel', 'lwp-download', 'lwp-request', 'tftp', 'ftp', 'scp', 'rsync'],
};
