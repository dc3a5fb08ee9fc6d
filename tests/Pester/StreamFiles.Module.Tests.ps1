#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-StreamFilesModulePath
}

Describe 'StreamFiles module' -Tags 'CI' {

    It 'has a valid manifest' {
        $manifest = Test-ModuleManifest -Path $script:ModulePath
        $manifest.Name | Should -Be 'StreamFiles'
        $manifest.CompatiblePSEditions | Should -Contain 'Core'
        $manifest.CompatiblePSEditions | Should -Contain 'Desktop'
    }

    It 'exports exactly the cmdlets its manifest lists' {
        $data = Import-PowerShellDataFile -Path $script:ModulePath
        $module = Import-Module $script:ModulePath -Force -PassThru
        try {
            $exported = @($module.ExportedCmdlets.Keys | Sort-Object)
            $exported | Should -Be @($data.CmdletsToExport | Sort-Object)
            $module.ExportedFunctions.Count | Should -Be 0
            $module.ExportedAliases.Count | Should -Be 0
        }
        finally {
            Remove-Module StreamFiles -ErrorAction SilentlyContinue
        }
    }

    It 'carries help for every cmdlet' {
        Import-Module $script:ModulePath -Force
        try {
            foreach ($name in (Import-PowerShellDataFile -Path $script:ModulePath).CmdletsToExport) {
                (Get-Command -Name $name -Module StreamFiles).Name | Should -Be $name
            }
        }
        finally {
            Remove-Module StreamFiles -ErrorAction SilentlyContinue
        }
    }

    It 'shows the synopsis, parameters and examples of docs/ in Get-Help' {
        $helpDirectory = Join-Path -Path (Split-Path -Parent $script:ModulePath) -ChildPath 'en-US'
        if (-not (Test-Path -LiteralPath $helpDirectory)) {
            Set-ItResult -Skipped -Because 'the module was laid out without its help (build.ps1 -Task Docs)'
            return
        }
        $docs = Join-Path -Path $PSScriptRoot -ChildPath '../../docs'
        Import-Module $script:ModulePath -Force
        try {
            foreach ($name in (Import-PowerShellDataFile -Path $script:ModulePath).CmdletsToExport) {
                $page = Get-Content -LiteralPath (Join-Path $docs "$name.md")
                $synopsis = $page[([array]::IndexOf($page, '## SYNOPSIS') + 1)]
                $help = Get-Help -Name $name -Full
                $help.Synopsis | Should -Be $synopsis
                @($help.examples.example).Count | Should -Be @($page | Where-Object { $_ -like '### Example*' }).Count
                $parameterNames = @($page | Where-Object { $_ -match '^### -' } | ForEach-Object { $_.Substring(5) })
                @($help.parameters.parameter | ForEach-Object { $_.name }) | Should -Be $parameterNames
                ($help.parameters.parameter | Where-Object { $_.name -eq $parameterNames[0] }).description | Should -Not -BeNullOrEmpty
                # No other product's page passes for this command's online help (a probe: Get-Help Send-StreamFile
                # -Online opened Copy-Item's); the address stays in the related link's text.
                (Get-Command -Name $name -Module StreamFiles).HelpUri | Should -BeNullOrEmpty
            }
            @((Get-Help -Name Send-StreamFile).relatedLinks.navigationLink | ForEach-Object { $_.linkText }) | Should -Contain 'Copy-Item: https://learn.microsoft.com/powershell/module/microsoft.powershell.management/copy-item'
            (Get-Help -Name about_StreamFiles_S3 | Out-String) | Should -Match 'SHORT DESCRIPTION'
            # A ValidateSet's values show in the syntax, as PowerShell shows them for a command without help (a probe).
            (Get-Help -Name Send-StreamFile | Out-String -Width 1000) | Should -Match ([regex]::Escape('[-Compare {SizeAndHash | SizeAndTime}]'))
            # A list in a description keeps its items apart (a probe: the second ran into the first).
            @((Get-Help -Name ConvertTo-StreamBase64).description | Where-Object { $_.Text -like '- with ?-LineLength?, one string per line*' }).Count | Should -Be 1
            # The about topics are plain text: no markdown headings, table rows or backticks (a probe).
            foreach ($topic in 'about_StreamFiles', 'about_StreamFiles_S3', 'about_StreamFiles_Http') {
                $text = Get-Help -Name $topic | Out-String
                $text | Should -Not -Match '(?m)^## '
                $text | Should -Not -Match '(?m)^\|'
                $text | Should -Not -Match '`[A-Za-z-]'
            }
            (Get-Help -Name about_StreamFiles_Http | Out-String) | Should -Match '(?m)^ERROR IDS'
            (Get-Help -Name about_StreamFiles_Http | Out-String) | Should -Match '(?m)^\s+HttpNotFound\s+ObjectNotFound\s+404 or 410 during the transfer'
        }
        finally {
            Remove-Module StreamFiles -ErrorAction SilentlyContinue
        }
    }

    It 'loads its engine into a private load context on PowerShell 7' -Skip:($PSEdition -ne 'Core') {
        # A fresh runspace in a child process: earlier tests may have loaded the engine already.
        $script = @"
Import-Module '$($script:ModulePath)' -ErrorAction Stop
`$file = [System.IO.Path]::GetTempFileName()
try {
    `$null = Get-FileHashChunked -LiteralPath `$file
    `$null = Send-StreamFile -LiteralPath `$file -Destination (`$file + '.copy') -ErrorAction Stop
}
finally { Remove-Item -LiteralPath `$file, (`$file + '.copy') -ErrorAction SilentlyContinue }
`$engine = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'StreamFiles.Core' }
[System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine).Name
"@
        $pwsh = Join-Path -Path $PSHOME -ChildPath 'pwsh'
        $contextName = & $pwsh -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $contextName | Should -Be 'StreamFiles'
    }

    It 'lets scripts name the engine types although they live in the private load context' -Skip:($PSEdition -ne 'Core') {
        # PowerShell resolves type names only in the default load context; the module registers the engine's types.
        Import-Module $script:ModulePath -Force -ErrorAction Stop
        'StreamFiles.Core.Transfers.TransferResult' -as [type] | Should -Not -BeNullOrEmpty
        ('StreamFiles.Core.Transfers.TransferStatus' -as [type])::Completed | Should -Be 'Completed'
        $file = New-Item -Path (Join-Path $TestDrive 'named.bin') -ItemType File -Force
        $result = Send-StreamFile -LiteralPath $file.FullName -Destination (Join-Path $TestDrive 'named-out.bin')
        $result | Should -BeOfType 'StreamFiles.Core.Transfers.TransferResult'
    }

    It 'works in the same session as AWS.Tools.S3, imported first' -Skip:(($PSEdition -ne 'Core') -or -not (Get-Module -ListAvailable -Name AWS.Tools.S3)) {
        $script = @"
Import-Module AWS.Tools.S3 -ErrorAction Stop
Import-Module '$($script:ModulePath)' -ErrorAction Stop
`$file = [System.IO.Path]::GetTempFileName()
try {
    (Get-FileHashChunked -LiteralPath `$file).Algorithm
    # Send-StreamFile builds its S3 connection even for a local copy: the engine's AWS SDK must stay its own.
    (Send-StreamFile -LiteralPath `$file -Destination (`$file + '.copy')).Status.ToString()
}
finally { Remove-Item -LiteralPath `$file, (`$file + '.copy') -ErrorAction SilentlyContinue }
"@
        $pwsh = Join-Path -Path $PSHOME -ChildPath 'pwsh'
        $output = & $pwsh -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $output | Should -Be @('SHA256', 'Completed')
    }
}
