#!/usr/bin/env bash
# Installs the Bicep compiler from NuGet (package Azure.Bicep.CommandLine.linux-x64, a self-contained
# executable) into infra/tools/packages and prints the path of the `bicep` executable on stdout.
# It uses bicep.tools.csproj, a project that only downloads the package: no C# is built.
# Usage: export BICEP_PATH="$(bash infra/tools/install-bicep.sh)"
set -euo pipefail
tools_dir="$(cd "$(dirname "$0")" && pwd)"
version="0.49.2"
package="azure.bicep.commandline.linux-x64"
bicep="$tools_dir/packages/$package/$version/tools/bicep"

if [ ! -x "$bicep" ]; then
  command -v dotnet >/dev/null || { echo "install-bicep.sh: dotnet is required to download the Bicep compiler from NuGet" >&2; exit 1; }
  # The csproj names a target framework; use the installed SDK's own so that any SDK >= 6 restores it.
  sdk_major="$(dotnet --version | cut -d. -f1)"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    dotnet restore "$tools_dir/bicep.tools.csproj" --packages "$tools_dir/packages" \
      -p:TargetFramework="net$sdk_major.0" >&2
  [ -f "$bicep" ] || { echo "install-bicep.sh: no bicep executable at $bicep after the restore" >&2; exit 1; }
  chmod +x "$bicep"
fi

"$bicep" --version >&2
echo "$bicep"
