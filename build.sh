#!/usr/bin/env bash
# Bootstraps the build: restores the pinned Cake tool, then runs build.cake with the arguments given
# (e.g. ./build.sh --target=Test). Needs only the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore >/dev/null
exec dotnet tool run dotnet-cake build.cake "$@"
