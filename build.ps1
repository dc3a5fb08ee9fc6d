<#
.SYNOPSIS
    Builds, tests and packages the StreamFiles module.
.DESCRIPTION
    Tasks:
      Build    dotnet build of the whole solution.
      Test     dotnet test (xunit: engine, CLI and cmdlet contracts).
      Package  lays out out/StreamFiles: manifest (version stamped), loader, format file, and
               bin/net8.0 (PowerShell 7.4+) and bin/netstandard2.0 (Windows PowerShell 5.1).
      Docs     turns docs/*.md into MAML help in out/StreamFiles/en-US when PlatyPS is installed.
      Pester   runs tests/Pester against out/StreamFiles.
    Every external command's exit code is checked; the first failure stops the build.
.EXAMPLE
    ./build.ps1
    Builds and packages; then Import-Module ./out/StreamFiles.
.EXAMPLE
    ./build.ps1 -Task Build, Test, Package, Pester
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Docs', 'Pester')]
    [string[]] $Task = @('Build', 'Package', 'Docs'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [string] $Version
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$root = $PSScriptRoot
$out = Join-Path -Path $root -ChildPath 'out'
$moduleOut = Join-Path -Path $out -ChildPath 'StreamFiles'

if (-not $Version) {
    $props = [xml](Get-Content -LiteralPath (Join-Path $root 'Directory.Build.props') -Raw)
    $Version = $props.Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
}

function Invoke-Native {
    param(
        [Parameter(Mandatory = $true)] [string] $FilePath,
        [Parameter(Mandatory = $true)] [string[]] $ArgumentList
    )
    Write-Host "> $FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Invoke-BuildTask {
    Invoke-Native dotnet @('build', (Join-Path $root 'StreamFiles.sln'), '-c', $Configuration, "-p:Version=$Version")
}

function Invoke-TestTask {
    Invoke-Native dotnet @('test', (Join-Path $root 'StreamFiles.sln'), '-c', $Configuration, "-p:Version=$Version")
}

# Only these files go into the module: ours and the libraries we depend on, nothing the host already has.
$allowedAssemblies = @(
    'StreamFiles.*.dll',
    'AWSSDK.*.dll',
    'Polly.Core.dll',
    'System.Buffers.dll',
    'System.Memory.dll',
    'System.Numerics.Vectors.dll',
    'System.Runtime.CompilerServices.Unsafe.dll',
    'System.Threading.Channels.dll',
    'System.Threading.Tasks.Extensions.dll',
    'Microsoft.Bcl.AsyncInterfaces.dll',
    'Microsoft.Bcl.TimeProvider.dll',
    'System.Text.Json.dll',              # AWSSDK.Core on Windows PowerShell 5.1 (netstandard2.0)
    'System.Text.Encodings.Web.dll',
    'System.ComponentModel.Annotations.dll'
)

function Copy-AllowedAssemblies {
    param([string] $From, [string] $To)
    New-Item -ItemType Directory -Path $To -Force | Out-Null
    foreach ($pattern in $allowedAssemblies) {
        Get-ChildItem -LiteralPath $From -Filter $pattern -File | Copy-Item -Destination $To -Force
    }
}

function Invoke-PackageTask {
    $staging = Join-Path $out 'staging'
    if (Test-Path -LiteralPath $moduleOut) { Remove-Item -LiteralPath $moduleOut -Recurse -Force }
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }

    $desktop = Join-Path $staging 'netstandard2.0'
    $core = Join-Path $staging 'net8.0'
    $project = Join-Path $root 'src/StreamFiles.PowerShell/StreamFiles.PowerShell.csproj'
    Invoke-Native dotnet @('publish', $project, '-c', $Configuration, '-f', 'netstandard2.0', '-o', $desktop, "-p:Version=$Version")
    Invoke-Native dotnet @('publish', $project, '-c', $Configuration, '-f', 'net8.0', '-o', $core, "-p:Version=$Version")

    # Windows PowerShell 5.1: everything side by side.
    Copy-AllowedAssemblies -From $desktop -To (Join-Path $moduleOut 'bin/netstandard2.0')

    # PowerShell 7: only the cmdlet assembly beside the loader; the engine and its dependencies in deps/,
    # where the module's private AssemblyLoadContext (ModuleInitializer) finds them and nothing else does.
    $coreBin = Join-Path $moduleOut 'bin/net8.0'
    Copy-AllowedAssemblies -From $core -To (Join-Path $coreBin 'deps')
    Move-Item -LiteralPath (Join-Path $coreBin 'deps/StreamFiles.PowerShell.dll') -Destination $coreBin -Force

    $moduleSource = Join-Path $root 'module/StreamFiles'
    foreach ($file in @('StreamFiles.psm1', 'StreamFiles.Format.ps1xml')) {
        Copy-Item -LiteralPath (Join-Path $moduleSource $file) -Destination $moduleOut -Force
    }
    Get-ChildItem -LiteralPath $moduleSource -Filter '*.ps1xml' -File | Copy-Item -Destination $moduleOut -Force

    $manifest = Get-Content -LiteralPath (Join-Path $moduleSource 'StreamFiles.psd1') -Raw
    $stamped = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$Version'"
    Set-Content -LiteralPath (Join-Path $moduleOut 'StreamFiles.psd1') -Value $stamped -Encoding UTF8

    Remove-Item -LiteralPath $staging -Recurse -Force
    $null = Test-ModuleManifest -Path (Join-Path $moduleOut 'StreamFiles.psd1')
    Write-Host "Module laid out in $moduleOut (version $Version)"
}

function Invoke-DocsTask {
    $platy = Get-Module -ListAvailable -Name platyPS | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $platy) {
        Write-Warning 'PlatyPS is not installed: skipped building MAML help (Install-Module platyPS to build it).'
        return
    }
    Import-Module $platy -ErrorAction Stop
    $helpOut = Join-Path $moduleOut 'en-US'
    $docs = Join-Path $root 'docs'
    # Cmdlet pages (Verb-Noun.md) become MAML; about_ topics become .help.txt files.
    $pages = Get-ChildItem -LiteralPath $docs -Filter '*.md' -File |
        Where-Object { $_.Name -like '*-*.md' -or $_.Name -like 'about_*.md' }
    New-ExternalHelp -Path $pages.FullName -OutputPath $helpOut -Force | Out-Null
    # Get-Help looks for <assembly>-Help.xml under the base of the module that owns the cmdlet; the loader imports
    # the assembly from bin/<framework>, so the cmdlet help goes beside each build as well as beside the manifest.
    foreach ($framework in @('net8.0', 'netstandard2.0')) {
        $frameworkHelp = Join-Path $moduleOut "bin/$framework/en-US"
        New-Item -ItemType Directory -Path $frameworkHelp -Force | Out-Null
        Get-ChildItem -LiteralPath $helpOut -Filter '*-Help.xml' -File | Copy-Item -Destination $frameworkHelp -Force
    }
    Write-Host "MAML help written to $helpOut"
}

function Invoke-PesterTask {
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0.0' } | Select-Object -First 1
    if (-not $pester) {
        throw 'Pester 5 is required for the Pester task: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser.'
    }
    Import-Module $pester -ErrorAction Stop
    $env:STREAMFILES_MODULE_PATH = Join-Path $moduleOut 'StreamFiles.psd1'
    # The tests run in scopes below this one: they get PowerShell's defaults, not this script's strict mode and Stop.
    Set-StrictMode -Off
    $ErrorActionPreference = 'Continue'
    $result = Invoke-Pester -Path (Join-Path $root 'tests/Pester') -Output Detailed -PassThru
    if ($result.FailedCount -gt 0 -or $result.Result -ne 'Passed') {
        throw "Pester: $($result.FailedCount) failed, $($result.PassedCount) passed."
    }
}

foreach ($name in $Task) {
    Write-Host "== $name"
    switch ($name) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Package' { Invoke-PackageTask }
        'Docs' { Invoke-DocsTask }
        'Pester' { Invoke-PesterTask }
        default { throw "Unknown task $name" }
    }
}
