#Requires -Modules Pester

# The HTTP(S) parameters of Send-StreamFile and Receive-StreamFile (-Headers, -Credential, -ContentType,
# -UploadChecksum) against HttpTestServer.py on 127.0.0.1, which records every request's headers.
# The engine's HTTP behaviour itself (ranges, If-Range, faults, retries) is tested by xunit against Kestrel.

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    Import-Module (Get-StreamFilesModulePath) -Force -ErrorAction Stop
    $ProgressPreference = 'SilentlyContinue'

    $script:Root = Join-Path $TestDrive 'www'
    New-Item -ItemType Directory -Path (Join-Path $script:Root 'files') -Force | Out-Null
    $script:File = New-RandomFile -LiteralPath (Join-Path $script:Root 'files/data.bin') -Length (3MB + 5) -Seed 21
    $portFile = Join-Path $TestDrive 'port'
    $python = (Get-Command -Name python3, python -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
    $script:Server = Start-Process -FilePath $python -ArgumentList @((Join-Path $PSScriptRoot 'HttpTestServer.py'), $script:Root, $portFile) -PassThru -NoNewWindow
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (-not (Test-Path -LiteralPath $portFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    $script:Base = 'http://127.0.0.1:{0}' -f (Get-Content -LiteralPath $portFile -Raw).Trim()

    function Get-Requests {
        Get-Content -LiteralPath (Join-Path $script:Root 'requests.jsonl') | ForEach-Object { $_ | ConvertFrom-Json }
    }
}

AfterAll {
    if ($script:Server -and -not $script:Server.HasExited) { Stop-Process -Id $script:Server.Id -Force }
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'HTTP parameters of Receive-StreamFile and Send-StreamFile' -Tags 'CI' {

    AfterEach {
        Remove-Item -Path (Join-Path $TestDrive 'out*') -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath (Join-Path $script:Root 'requests.jsonl') -ErrorAction SilentlyContinue
    }

    It 'downloads with -Headers, names the file from the URL and hides the query' {
        $out = Join-Path $TestDrive 'out'
        $result = Receive-StreamFile -Source "$script:Base/files/data.bin?sig=SECRET" -Destination "$out/" -Headers @{ 'X-Api-Key' = 'TOPSECRET' } -Verbose 4>&1 |
            Where-Object { $_ -is [StreamFiles.Core.Transfers.TransferResult] }
        $result.Status | Should -Be 'Completed'
        $result.Source | Should -Be "$script:Base/files/data.bin"
        (Get-FileHash -LiteralPath (Join-Path $out 'data.bin')).Hash | Should -Be (Get-FileHash -LiteralPath $script:File.FullName).Hash
        Get-Requests | ForEach-Object { $_.headers.'X-Api-Key' | Should -Be 'TOPSECRET' }
        ($result | Format-List * | Out-String) | Should -Not -Match 'SECRET'
    }

    It 'refuses -Credential over plain HTTP with its own error id and sends nothing' {
        $credential = [pscredential]::new('user', (ConvertTo-SecureString 'secret' -AsPlainText -Force))
        Receive-StreamFile -Source "$script:Base/private/data.bin" -Destination (Join-Path $TestDrive 'out/') -Credential $credential -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveStreamFileHttpCredentialNeedsHttps*'
        $problems[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $problems[0].Exception.Message | Should -Not -Match 'secret'
        Test-Path -LiteralPath (Join-Path $script:Root 'requests.jsonl') | Should -BeFalse
    }

    It 'reports a missing URL as SourceNotFound without its query' {
        Receive-StreamFile -Source "$script:Base/files/none.bin?token=SECRET" -Destination (Join-Path $TestDrive 'out/') -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveStreamFileSourceNotFound*'
        $problems[0].Exception.Message | Should -Not -Match 'SECRET'
        $problems[0].TargetObject | Should -Be "$script:Base/files/none.bin"
    }

    It 'uploads with -ContentType and -UploadChecksum <Checksum>' -TestCases @(
        @{ Checksum = 'MD5'; Header = 'Content-MD5'; Algorithm = 'MD5' }
        @{ Checksum = 'SHA256'; Header = 'x-amz-checksum-sha256'; Algorithm = 'SHA256' }
    ) {
        param($Checksum, $Header, $Algorithm)
        $result = Send-StreamFile -LiteralPath $script:File.FullName -Destination "$script:Base/put/$Checksum.bin?X-Amz-Signature=SECRET" -ContentType 'text/csv' -UploadChecksum $Checksum
        $result.Status | Should -Be 'Completed'
        $result.Destination | Should -Be "$script:Base/put/$Checksum.bin"
        (Get-FileHash -LiteralPath (Join-Path $script:Root "put/$Checksum.bin")).Hash | Should -Be (Get-FileHash -LiteralPath $script:File.FullName).Hash
        $put = Get-Requests | Where-Object method -EQ 'PUT' | Select-Object -Last 1
        $put.headers.'Content-Type' | Should -Be 'text/csv'
        $put.headers.'Content-Length' | Should -Be ([string]$script:File.Length)
        $hex = (Get-FileHash -LiteralPath $script:File.FullName -Algorithm $Algorithm).Hash
        $expected = [Convert]::ToBase64String([byte[]]($hex -split '(..)' -ne '' | ForEach-Object { [Convert]::ToByte($_, 16) }))
        $put.headers.$Header | Should -Be $expected
    }

    It 'warns that -Verify cannot read a PUT URL back, and completes the upload unverified' {
        $result = Send-StreamFile -LiteralPath $script:File.FullName -Destination "$script:Base/put/verify.bin?X-Amz-Signature=SECRET" -Verify -WarningVariable warned -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Completed'
        $result.Verified | Should -BeFalse
        $warned.Count | Should -Be 1
        $warned[0].Message | Should -BeLike '-Verify reads each copy back, which a PUT URL cannot serve; it is ignored for *'
        $warned[0].Message | Should -BeLike '*Add -UploadChecksum MD5 (or SHA256) to have the server check the upload.'
        $warned[0].Message | Should -Not -Match 'SECRET'
        (Get-FileHash -LiteralPath (Join-Path $script:Root 'put/verify.bin')).Hash | Should -Be (Get-FileHash -LiteralPath $script:File.FullName).Hash
    }

    It 'warns that -Resume and -SkipUnchanged have nothing to work on with a PUT URL' {
        $result = Send-StreamFile -LiteralPath $script:File.FullName -Destination "$script:Base/put/ignored.bin" -Resume -SkipUnchanged -Force -WarningVariable warned -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Completed'
        $warned.Count | Should -Be 2
        $warned[0].Message | Should -BeLike '-SkipUnchanged compares each file with the destination, which a PUT URL cannot show; it is ignored for *'
        $warned[1].Message | Should -BeLike '-Resume keeps what a stopped copy has written for the next run;*'
    }

    It 'does not advise -UploadChecksum when -Verify comes with it' {
        $result = Send-StreamFile -LiteralPath $script:File.FullName -Destination "$script:Base/put/verify-md5.bin" -Verify -UploadChecksum MD5 -WarningVariable warned -WarningAction SilentlyContinue
        $result.Status | Should -Be 'Completed'
        $warned.Count | Should -Be 1
        $warned[0].Message | Should -BeLike '*Instead, the checksum sent with the upload lets a server that checks it (as S3 does) refuse a damaged upload.'
        $warned[0].Message | Should -Not -Match 'Add -UploadChecksum'
    }

    It 'ends the command on a header StreamFiles sets itself' {
        { Send-StreamFile -LiteralPath $script:File.FullName -Destination "$script:Base/put/x.bin" -Headers @{ Range = 'bytes=0-1' } } |
            Should -Throw -ErrorId 'SendStreamFileInvalidHttpOption,StreamFiles.PowerShell.SendStreamFileCommand'
    }
}
