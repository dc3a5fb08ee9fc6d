#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    Import-Module (Get-StreamFilesModulePath) -Force -ErrorAction Stop
    $ProgressPreference = 'SilentlyContinue'

    function Get-Sha256 {
        param([Parameter(Mandatory = $true)] [string] $LiteralPath)
        (Get-FileHash -LiteralPath $LiteralPath -Algorithm SHA256).Hash
    }
}

AfterAll {
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'Receive-StreamFile' -Tags 'CI' {

    BeforeAll {
        $script:Remote = Join-Path $TestDrive 'remote'
        New-Item -ItemType Directory -Path (Join-Path $script:Remote 'sub dir') -Force | Out-Null
        $script:Big = New-RandomFile -LiteralPath (Join-Path $script:Remote 'big.bin') -Length (2MB + 3) -Seed 7
        New-RandomFile -LiteralPath (Join-Path $script:Remote 'sub dir/small ☃.txt') -Length 100 -Seed 8 | Out-Null
    }

    AfterEach {
        Remove-Item -Path (Join-Path $TestDrive 'out*') -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'exports the cmdlet from the StreamFiles module' {
        (Get-Command -Name Receive-StreamFile -Module StreamFiles).CommandType | Should -Be 'Cmdlet'
    }

    It 'receives a file into a directory in parts' {
        $out = Join-Path $TestDrive 'out'
        $result = Receive-StreamFile -Source $script:Big.FullName -Destination "$out/" -PartSize 256KB -Checksum SHA256
        $result.Status | Should -Be 'Completed'
        $result.Destination | Should -Be (Join-Path $out 'big.bin')
        $result.Hash | Should -Be (Get-Sha256 -LiteralPath $script:Big.FullName)
        Get-Sha256 -LiteralPath (Join-Path $out 'big.bin') | Should -Be $result.Hash
    }

    It 'takes -Path as another name for -Source' {
        $out = Join-Path $TestDrive 'out-path.bin'
        $result = Receive-StreamFile -Path $script:Big.FullName -Destination $out
        $result.Status | Should -Be 'Completed'
        Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Big.FullName)
    }

    It 'receives a tree with -Recurse, keeping its layout' {
        $out = Join-Path $TestDrive 'out'
        $results = @(Receive-StreamFile -Source $script:Remote -Destination $out -Recurse)
        $results.Count | Should -Be 2
        Test-Path -LiteralPath (Join-Path $out 'sub dir/small ☃.txt') | Should -BeTrue
    }

    It 'pipes its results on by PSPath, as FileInfo objects do (Get-FileHashChunked, Send-StreamFile)' {
        $out = Join-Path $TestDrive 'piped-on'
        $hashes = @(Receive-StreamFile -Source $script:Remote -Destination $out -Recurse | Get-FileHashChunked -Algorithm SHA256)
        $hashes.Count | Should -Be 2
        foreach ($hash in $hashes) {
            $hash.Hash | Should -Be (Get-FileHash -LiteralPath $hash.Path -Algorithm SHA256).Hash
            $hash.Path | Should -BeLike "$out*"
        }

        $again = Join-Path $TestDrive 'piped-again'
        $sent = @(Receive-StreamFile -Source $script:Big.FullName -Destination "$out/" -Force | Send-StreamFile -Destination "$again/")
        $sent.Count | Should -Be 1
        $sent[0].Status | Should -Be 'Completed'
        (Get-FileHash -LiteralPath (Join-Path $again $script:Big.Name)).Hash | Should -Be (Get-FileHash -LiteralPath $script:Big.FullName).Hash
    }

    It 'expands wildcards in -Source and takes FileInfo from the pipeline' {
        @(Receive-StreamFile -Source (Join-Path $script:Remote '*.bin') -Destination (Join-Path $TestDrive 'out1/')).Count | Should -Be 1
        @(Get-ChildItem -LiteralPath $script:Remote -File | Receive-StreamFile -Destination (Join-Path $TestDrive 'out2/')).Count | Should -Be 1
    }

    It 'writes nothing with -WhatIf' {
        Receive-StreamFile -Source $script:Big.FullName -Destination (Join-Path $TestDrive 'out/x.bin') -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath (Join-Path $TestDrive 'out') | Should -BeFalse
    }

    It 'refuses to overwrite without -Force' {
        $out = Join-Path $TestDrive 'out.bin'
        [System.IO.File]::WriteAllText($out, 'older')
        Receive-StreamFile -Source $script:Big.FullName -Destination $out -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveStreamFileDestinationExists*'
        [System.IO.File]::ReadAllText($out) | Should -BeExactly 'older'
    }

    It 'reports a source with an unsupported scheme as an error of that file, without its query string' {
        $result = Receive-StreamFile -Source 'ftp://example.invalid/file.bin?token=secret' -Destination (Join-Path $TestDrive 'out/') -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveStreamFileUnsupportedLocation*'
        $problems[0].TargetObject | Should -Be 'ftp://example.invalid/file.bin'
        $problems[0].Exception.Message | Should -Not -Match 'secret'
        $result.Status | Should -Be 'Failed'
    }

    It 'warns once that -Headers does not apply to a local source, and copies the file' {
        $out = Join-Path $TestDrive 'headers-out.bin'
        $result = Receive-StreamFile -Source $script:Big.FullName -Destination $out -Headers @{ 'X-Note' = '1' } -WarningVariable warned -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Completed'
        $warned.Count | Should -Be 1
        $warned[0].Message | Should -BeLike '-Headers applies to downloads from http(s):// URLs; it is ignored for *'
    }

    It 'ends the command for a destination that is not a file-system path' {
        { Receive-StreamFile -Source $script:Big.FullName -Destination 's3://bucket/key' } | Should -Throw -ErrorId 'ReceiveStreamFileUnsupportedDestination,StreamFiles.PowerShell.ReceiveStreamFileCommand'
        $caught = $null
        try { Receive-StreamFile -Source $script:Big.FullName -Destination 's3://bucket/key' -ErrorAction Stop } catch { $caught = $_ }
        $caught.Exception.Message | Should -Not -Match '\(Parameter '
    }

    It 'refuses an invalid -EndpointUrl with its own id and a message of its own words' {
        $caught = $null
        try { Receive-StreamFile -Source 's3://bucket/key' -Destination $TestDrive -EndpointUrl '127.0.0.1:7480' -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'ReceiveStreamFileInvalidEndpointUrl,StreamFiles.PowerShell.ReceiveStreamFileCommand'
        $caught.Exception.Message | Should -Match '127\.0\.0\.1:7480'
        $caught.Exception.Message | Should -Not -Match '\(Parameter '
    }
}
