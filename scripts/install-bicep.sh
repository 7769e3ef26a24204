#!/usr/bin/env bash
# Installs the Bicep CLI into .tools/bicep/bicep (gitignored) from the NuGet package
# Azure.Bicep.CommandLine.linux-x64, using the download-only project scripts/bicep-cli/BicepCli.csproj.
#
# Always exits 0: when dotnet is missing or the restore fails it prints one line and the
# infra tests skip themselves. A second run with the right version already in place is a no-op.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
csproj="$repo_root/scripts/bicep-cli/BicepCli.csproj"
tools_dir="$repo_root/.tools"
target_dir="$tools_dir/bicep"
target="$target_dir/bicep"
package_id="azure.bicep.commandline.linux-x64"

unavailable() {
  echo "Bicep CLI could not be had ($1); the infra tests will be skipped."
  exit 0
}

# The wanted version is the one pinned in the project file, e.g. Version="[0.49.2]".
version="$(sed -n 's/.*Azure\.Bicep\.CommandLine\.linux-x64" Version="\[\([0-9.]*\)\]".*/\1/p' "$csproj")"
[ -n "$version" ] || unavailable "no pinned version found in $csproj"

if [ -x "$target" ] && "$target" --version 2>/dev/null | grep -q "$version"; then
  echo "Bicep CLI already installed: $("$target" --version) at $target"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) unavailable "this script fetches the linux-x64 build only, this machine is $(uname -s)-$(uname -m)" ;;
esac

command -v dotnet >/dev/null 2>&1 || unavailable "dotnet is not on PATH"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Restore from a copy under .tools/ so that obj/ never lands in the source tree.
work_dir="$tools_dir/bicep-cli"
packages_dir="$tools_dir/nuget-packages"
mkdir -p "$work_dir" "$packages_dir" "$target_dir"
cp "$csproj" "$work_dir/BicepCli.csproj"

restore=(dotnet restore "$work_dir/BicepCli.csproj" --packages "$packages_dir")
# A machine without NuGet access would otherwise retry for a long time.
if command -v timeout >/dev/null 2>&1; then restore=(timeout 300 "${restore[@]}"); fi
if ! log="$("${restore[@]}" 2>&1)"; then
  first_error="$(printf '%s\n' "$log" | grep -m 1 -i 'error' | sed 's/^ *//')"
  unavailable "dotnet restore failed${first_error:+: $first_error}"
fi

source_exe="$packages_dir/$package_id/$version/tools/bicep"
[ -f "$source_exe" ] || unavailable "restore succeeded but $source_exe is missing"

cp "$source_exe" "$target.tmp" && chmod +x "$target.tmp" && mv "$target.tmp" "$target" ||
  unavailable "could not copy the executable to $target"

if ! installed="$("$target" --version 2>&1)"; then
  unavailable "the installed executable does not run: $installed"
fi
echo "Bicep CLI installed: $installed at $target"
exit 0
