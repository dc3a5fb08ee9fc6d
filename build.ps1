<#
.SYNOPSIS
    Builds, tests and packages the StreamFiles module.
.DESCRIPTION
    Tasks:
      Build    dotnet build of the whole solution.
      Test     dotnet test (xunit: engine, CLI and cmdlet contracts).
      Package  lays out out/StreamFiles: manifest (version stamped), loader, format file, and
               bin/net8.0 (PowerShell 7.4+) and bin/netstandard2.0 (Windows PowerShell 5.1); then the help
               (Docs), which a package always has.
      Docs     turns docs/*.md into MAML help in out/StreamFiles/en-US (with PlatyPS when installed, else with
               this script's own converter of the same markdown).
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

# Fallback for the Docs task when PlatyPS is not installed: the same markdown (PlatyPS's own layout) turned into MAML
# for Get-Help. It reads what docs/*.md hold: synopsis, syntax per parameter set, description, examples, parameters
# with their yaml blocks, inputs, outputs, notes and related links.
function Get-MarkdownSection {
    param([string[]] $Lines, [string] $Heading)
    $inside = $false
    $result = New-Object System.Collections.Generic.List[string]
    foreach ($line in $Lines) {
        if ($line -match '^## ') {
            if ($inside) { break }
            $inside = ($line -eq "## $Heading")
            continue
        }
        if ($inside) { $result.Add($line) }
    }
    return , $result.ToArray()
}

function Split-MarkdownSubsection {
    # The '### ' parts of a section: a list of @{ Title; Lines }.
    param([string[]] $Lines)
    $parts = New-Object System.Collections.Generic.List[object]
    $current = $null
    $inCode = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match '^### (.*)$') {
            $current = @{ Title = $Matches[1].Trim(); Lines = (New-Object System.Collections.Generic.List[string]) }
            $parts.Add($current)
            continue
        }
        if ($null -ne $current) { $current.Lines.Add($line) }
    }
    return , $parts.ToArray()
}

function Get-MarkdownProse {
    # Paragraphs outside code blocks, each joined into one line; each item of a list is a paragraph of its own.
    param([string[]] $Lines)
    $paragraphs = New-Object System.Collections.Generic.List[string]
    $buffer = New-Object System.Collections.Generic.List[string]
    $inCode = $false
    foreach ($line in @($Lines) + @('')) {
        if ($line -match '^```') { $inCode = -not $inCode; continue }
        if ($inCode) { continue }
        if ($line -match '^\s*([-*]|\d+\.)\s' -and $buffer.Count -gt 0) {
            $paragraphs.Add(($buffer -join ' '))
            $buffer.Clear()
        }
        if ($line.Trim().Length -eq 0) {
            if ($buffer.Count -gt 0) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }
        }
        else {
            $buffer.Add($line.Trim())
        }
    }
    return , $paragraphs.ToArray()
}

function Get-MarkdownCodeBlocks {
    param([string[]] $Lines)
    $blocks = New-Object System.Collections.Generic.List[string]
    $buffer = $null
    foreach ($line in $Lines) {
        if ($line -match '^```') {
            if ($null -eq $buffer) { $buffer = New-Object System.Collections.Generic.List[string] }
            else { $blocks.Add(($buffer -join "`n")); $buffer = $null }
            continue
        }
        if ($null -ne $buffer) { $buffer.Add($line) }
    }
    return , $blocks.ToArray()
}

function Write-MamlParas {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs)
    $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
    foreach ($paragraph in $Paragraphs) {
        $Writer.WriteElementString('maml', 'para', $script:MamlNs, $paragraph)
    }
    $Writer.WriteEndElement()
}

function Write-MamlParameter {
    param([System.Xml.XmlWriter] $Writer, [hashtable] $Parameter, [hashtable] $Yaml)
    $pipeline = $Yaml['Accept pipeline input']
    if (-not $pipeline) { $pipeline = 'False' }
    $position = $Yaml['Position']
    if (-not $position -or $position -eq 'Named') { $position = 'named' }
    $aliases = $Yaml['Aliases']
    if (-not $aliases) { $aliases = 'none' }
    $Writer.WriteStartElement('command', 'parameter', $script:CommandNs)
    $Writer.WriteAttributeString('required', ([string]($Yaml['Required'] -eq 'True')).ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', ([string]($Yaml['Accept wildcard characters'] -eq 'True')).ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $pipeline)
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $aliases)
    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Name)
    Write-MamlParas -Writer $Writer -Paragraphs $Parameter.Prose
    $type = $Yaml['Type']
    $isSwitch = $type -eq 'SwitchParameter'
    $accepted = $Yaml['Accepted values']
    if ($accepted -and -not $isSwitch) {
        # A ValidateSet's values, which Get-Help shows in the syntax as {A | B}.
        $Writer.WriteStartElement('command', 'parameterValueGroup', $script:CommandNs)
        foreach ($value in ($accepted -split ',')) {
            $Writer.WriteStartElement('command', 'parameterValue', $script:CommandNs)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value.Trim())
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    if (-not $isSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $script:DevNs)
    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $type)
    $Writer.WriteEndElement()
    $default = $Yaml['Default value']
    if (-not $default) { $default = 'None' }
    $Writer.WriteElementString('dev', 'defaultValue', $script:DevNs, $default)
    $Writer.WriteEndElement()
}

function ConvertFrom-YamlBlock {
    param([string] $Text)
    $values = @{}
    foreach ($line in ($Text -split "`n")) {
        if ($line -match '^([^:]+):\s*(.*)$') { $values[$Matches[1].Trim()] = $Matches[2].Trim() }
    }
    return $values
}

function ConvertTo-MamlHelp {
    param([string[]] $Path, [string] $OutputFile)
    $script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
    $script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    $script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.Encoding = New-Object System.Text.UTF8Encoding($false)
    $writer = [System.Xml.XmlWriter]::Create($OutputFile, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($file in $Path) {
            $lines = [System.IO.File]::ReadAllLines($file)
            $name = [System.IO.Path]::GetFileNameWithoutExtension($file)
            $verb, $noun = $name -split '-', 2

            $parameters = @{}
            $order = New-Object System.Collections.Generic.List[string]
            foreach ($part in (Split-MarkdownSubsection -Lines (Get-MarkdownSection -Lines $lines -Heading 'PARAMETERS'))) {
                if ($part.Title -notmatch '^-(.+)$') { continue }
                $parameterName = $Matches[1]
                $yamls = @(Get-MarkdownCodeBlocks -Lines $part.Lines.ToArray() | ForEach-Object { ConvertFrom-YamlBlock -Text $_ })
                $parameters[$parameterName] = @{ Name = $parameterName; Prose = (Get-MarkdownProse -Lines $part.Lines.ToArray()); Yamls = $yamls }
                $order.Add($parameterName)
            }

            $writer.WriteStartElement('command', 'command', $script:CommandNs)
            $writer.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNs)
            $writer.WriteAttributeString('xmlns', 'dev', $null, $script:DevNs)
            $writer.WriteStartElement('command', 'details', $script:CommandNs)
            $writer.WriteElementString('command', 'name', $script:CommandNs, $name)
            $writer.WriteElementString('command', 'verb', $script:CommandNs, $verb)
            $writer.WriteElementString('command', 'noun', $script:CommandNs, $noun)
            Write-MamlParas -Writer $writer -Paragraphs (Get-MarkdownProse -Lines (Get-MarkdownSection -Lines $lines -Heading 'SYNOPSIS'))
            $writer.WriteEndElement()
            Write-MamlParas -Writer $writer -Paragraphs (Get-MarkdownProse -Lines (Get-MarkdownSection -Lines $lines -Heading 'DESCRIPTION'))

            # One syntax item per parameter set, its parameters in the order the syntax block gives them.
            $writer.WriteStartElement('command', 'syntax', $script:CommandNs)
            foreach ($set in (Split-MarkdownSubsection -Lines (Get-MarkdownSection -Lines $lines -Heading 'SYNTAX'))) {
                $setName = ($set.Title -replace '\s*\(Default\)\s*$', '').Trim()
                $syntax = (Get-MarkdownCodeBlocks -Lines $set.Lines.ToArray()) -join ' '
                $writer.WriteStartElement('command', 'syntaxItem', $script:CommandNs)
                $writer.WriteElementString('maml', 'name', $script:MamlNs, $name)
                foreach ($match in [regex]::Matches($syntax, '-(\w+)')) {
                    $parameter = $parameters[$match.Groups[1].Value]
                    if ($null -eq $parameter) { continue }
                    $yaml = $parameter.Yamls | Where-Object { ($_['Parameter Sets'] -split ',\s*') -contains $setName -or $_['Parameter Sets'] -eq '(All)' } | Select-Object -First 1
                    if ($null -eq $yaml) { $yaml = $parameter.Yamls | Select-Object -First 1 }
                    Write-MamlParameter -Writer $writer -Parameter $parameter -Yaml $yaml
                }
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'parameters', $script:CommandNs)
            foreach ($parameterName in $order) {
                $parameter = $parameters[$parameterName]
                Write-MamlParameter -Writer $writer -Parameter $parameter -Yaml ($parameter.Yamls | Select-Object -First 1)
            }
            $writer.WriteEndElement()

            foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
                $writer.WriteStartElement('command', $kind[1], $script:CommandNs)
                foreach ($part in (Split-MarkdownSubsection -Lines (Get-MarkdownSection -Lines $lines -Heading $kind[0]))) {
                    $writer.WriteStartElement('command', $kind[2], $script:CommandNs)
                    $writer.WriteStartElement('dev', 'type', $script:DevNs)
                    $writer.WriteElementString('maml', 'name', $script:MamlNs, $part.Title)
                    $writer.WriteEndElement()
                    Write-MamlParas -Writer $writer -Paragraphs (Get-MarkdownProse -Lines $part.Lines.ToArray())
                    $writer.WriteEndElement()
                }
                $writer.WriteEndElement()
            }

            $notes = Get-MarkdownProse -Lines (Get-MarkdownSection -Lines $lines -Heading 'NOTES')
            $writer.WriteStartElement('maml', 'alertSet', $script:MamlNs)
            $writer.WriteStartElement('maml', 'alert', $script:MamlNs)
            foreach ($paragraph in $notes) { $writer.WriteElementString('maml', 'para', $script:MamlNs, $paragraph) }
            $writer.WriteEndElement()
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'examples', $script:CommandNs)
            foreach ($example in (Split-MarkdownSubsection -Lines (Get-MarkdownSection -Lines $lines -Heading 'EXAMPLES'))) {
                $writer.WriteStartElement('command', 'example', $script:CommandNs)
                $writer.WriteElementString('maml', 'title', $script:MamlNs, "-------------------------- $($example.Title) --------------------------")
                $writer.WriteElementString('dev', 'code', $script:DevNs, ((Get-MarkdownCodeBlocks -Lines $example.Lines.ToArray()) -join "`n`n"))
                $writer.WriteStartElement('dev', 'remarks', $script:DevNs)
                foreach ($paragraph in (Get-MarkdownProse -Lines $example.Lines.ToArray())) { $writer.WriteElementString('maml', 'para', $script:MamlNs, $paragraph) }
                $writer.WriteEndElement()
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'relatedLinks', $script:CommandNs)
            foreach ($line in (Get-MarkdownSection -Lines $lines -Heading 'RELATED LINKS')) {
                if ($line -notmatch '^\[([^\]]+)\]\(([^)]*)\)') { continue }
                # PowerShell takes the first link with a URI for the command's HelpUri (Get-Help -Online): a page of
                # another product (Copy-Item's, RFC 4648) must not be it. Such an address is kept in the link's text.
                $text = $Matches[1]
                $address = $Matches[2]
                if ($address -match '^https?://') { $text = $text + ': ' + $address }
                $writer.WriteStartElement('maml', 'navigationLink', $script:MamlNs)
                $writer.WriteElementString('maml', 'linkText', $script:MamlNs, $text)
                $writer.WriteElementString('maml', 'uri', $script:MamlNs, '')
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}

function ConvertTo-AboutHelpText {
    # about_*.md to about_*.help.txt, without the front matter's title lines, in the plain text of PowerShell's own about
    # topics: headings without their '#' (the second level in capitals), tables as aligned columns, and no backticks
    # around code in the prose. Indented lines (the examples) stay as they are: a backtick there is PowerShell's.
    param([string] $Path, [string] $OutputFile)
    $lines = [System.IO.File]::ReadAllLines($Path)
    $start = 0
    while ($start -lt $lines.Count -and $lines[$start] -notmatch '^# SHORT DESCRIPTION') { $start++ }
    if ($start -ge $lines.Count) { $start = 0 }
    $name = [System.IO.Path]::GetFileNameWithoutExtension($Path)
    $text = New-Object System.Collections.Generic.List[string]
    $text.Add('TOPIC')
    $text.Add("    $name")
    $text.Add('')
    $table = New-Object System.Collections.Generic.List[object]
    foreach ($line in @($lines[$start..($lines.Count - 1)]) + @('')) {
        if ($line -match '^\|') {
            if ($line -notmatch '^\|[\s:|-]+\|\s*$') {
                $table.Add(@($line.Trim().Trim('|').Split('|') | ForEach-Object { $_.Trim() -replace '`', '' }))
            }
            continue
        }
        if ($table.Count -gt 0) {
            $widths = @{}
            foreach ($row in $table) {
                for ($i = 0; $i -lt $row.Count; $i++) {
                    if ($row[$i].Length -gt [int]$widths[$i]) { $widths[$i] = $row[$i].Length }
                }
            }
            $first = $true
            foreach ($row in $table) {
                $cells = for ($i = 0; $i -lt $row.Count; $i++) { if ($i -lt $row.Count - 1) { $row[$i].PadRight($widths[$i]) } else { $row[$i] } }
                $text.Add('    ' + ($cells -join '  '))
                if ($first) {
                    $rules = for ($i = 0; $i -lt $row.Count; $i++) { if ($i -lt $row.Count - 1) { '-' * $widths[$i] } else { '-' * $row[$i].Length } }
                    $text.Add('    ' + ($rules -join '  '))
                    $first = $false
                }
            }
            $table.Clear()
        }
        if ($line -match '^## (.*)$') { $text.Add($Matches[1].ToUpperInvariant()) }
        elseif ($line -match '^# (.*)$') { $text.Add($Matches[1]) }
        elseif ($line -match '^    ') { $text.Add($line) }
        else { $text.Add(($line -replace '`', '')) }
    }
    [System.IO.File]::WriteAllLines($OutputFile, [string[]]$text, (New-Object System.Text.UTF8Encoding($false)))
}

function Invoke-DocsTask {
    $helpOut = Join-Path $moduleOut 'en-US'
    $docs = Join-Path $root 'docs'
    # Cmdlet pages (Verb-Noun.md) become MAML; about_ topics become .help.txt files.
    $pages = Get-ChildItem -LiteralPath $docs -Filter '*.md' -File |
        Where-Object { $_.Name -like '*-*.md' -or $_.Name -like 'about_*.md' }
    $platy = Get-Module -ListAvailable -Name platyPS | Sort-Object Version -Descending | Select-Object -First 1
    if ($platy) {
        Import-Module $platy -ErrorAction Stop
        New-ExternalHelp -Path $pages.FullName -OutputPath $helpOut -Force | Out-Null
    }
    else {
        Write-Host 'PlatyPS is not installed: the MAML help is made by this script (ConvertTo-MamlHelp) instead.'
        New-Item -ItemType Directory -Path $helpOut -Force | Out-Null
        $cmdletPages = @($pages | Where-Object { $_.Name -notlike 'about_*' } | ForEach-Object { $_.FullName })
        ConvertTo-MamlHelp -Path $cmdletPages -OutputFile (Join-Path $helpOut 'StreamFiles.PowerShell.dll-Help.xml')
        foreach ($page in ($pages | Where-Object { $_.Name -like 'about_*' })) {
            ConvertTo-AboutHelpText -Path $page.FullName -OutputFile (Join-Path $helpOut ($page.BaseName + '.help.txt'))
        }
    }
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
        'Package' {
            Invoke-PackageTask
            # A module without its help is not a package: Get-Help would show only the syntax.
            if ($Task -notcontains 'Docs') { Invoke-DocsTask }
        }
        'Docs' { Invoke-DocsTask }
        'Pester' { Invoke-PesterTask }
        default { throw "Unknown task $name" }
    }
}
