# Bootstraps the build: restores the pinned Cake tool, then runs build.cake with the arguments given
# (e.g. ./build.ps1 --target=Test). Needs only the .NET SDK.
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet tool run dotnet-cake build.cake @args
exit $LASTEXITCODE
