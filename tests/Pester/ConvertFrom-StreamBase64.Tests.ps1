#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-StreamFilesModulePath
    Import-Module $script:ModulePath -Force -ErrorAction Stop

    function Get-Sha256 {
        param([Parameter(Mandatory = $true)] [string] $LiteralPath)
        (Get-FileHash -LiteralPath $LiteralPath -Algorithm SHA256).Hash
    }

    function Get-FileBase64 {
        param([Parameter(Mandatory = $true)] [string] $LiteralPath)
        [System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($LiteralPath))
    }
}

AfterAll {
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'ConvertFrom-StreamBase64' -Tags 'CI' {

    BeforeAll {
        $script:Large = New-RandomFile -LiteralPath (Join-Path $TestDrive 'large.bin') -Length (2MB + 5) -Seed 21
        $script:LargeText = Join-Path $TestDrive 'large.b64'
        # .NET's one-shot conversion with line breaks: 76 characters a line, CRLF between them.
        $text = [System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($script:Large.FullName), [System.Base64FormattingOptions]::InsertLineBreaks)
        [System.IO.File]::WriteAllText($script:LargeText, $text)
    }

    AfterEach {
        Remove-Item -Path (Join-Path $TestDrive 'out*') -Force -ErrorAction SilentlyContinue
    }

    Context 'Module' {
        It 'exports the cmdlet from the StreamFiles module' {
            $command = Get-Command -Name ConvertFrom-StreamBase64 -Module StreamFiles
            $command.CommandType | Should -Be 'Cmdlet'
        }
    }

    Context 'From a file' {
        It 'decodes a wrapped text file and outputs nothing' {
            $out = Join-Path $TestDrive 'out.bin'
            $result = ConvertFrom-StreamBase64 -LiteralPath $script:LargeText -OutFile $out
            $result | Should -BeNullOrEmpty
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Large.FullName)
            Test-Path -LiteralPath "$out.partial" | Should -BeFalse
        }

        It 'binds the first position to Path' {
            $out = Join-Path $TestDrive 'out.bin'
            ConvertFrom-StreamBase64 $script:LargeText -OutFile $out
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Large.FullName)
        }

        It 'takes FileInfo objects from Get-ChildItem' {
            $out = Join-Path $TestDrive 'out.bin'
            Get-Item -LiteralPath $script:LargeText | ConvertFrom-StreamBase64 -OutFile $out
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Large.FullName)
        }

        It 'reads <Encoding> text with a byte order mark' -TestCases @(
            @{ Encoding = 'Unicode' }
            @{ Encoding = 'BigEndianUnicode' }
            @{ Encoding = 'UTF8' }
        ) {
            param($Encoding)
            $path = Join-Path $TestDrive "text-$Encoding.b64"
            $out = Join-Path $TestDrive 'out.bin'
            $encoding = switch ($Encoding) {
                'Unicode' { New-Object System.Text.UnicodeEncoding($false, $true) }
                'BigEndianUnicode' { New-Object System.Text.UnicodeEncoding($true, $true) }
                'UTF8' { New-Object System.Text.UTF8Encoding($true) }
            }
            [System.IO.File]::WriteAllText($path, 'QUJD' + [Environment]::NewLine + 'REVG', $encoding)
            ConvertFrom-StreamBase64 -LiteralPath $path -OutFile $out
            [System.IO.File]::ReadAllText($out) | Should -BeExactly 'ABCDEF'
        }

        It 'returns the file with -PassThru' {
            $out = Join-Path $TestDrive 'out.bin'
            $result = ConvertFrom-StreamBase64 -LiteralPath $script:LargeText -OutFile $out -PassThru
            $result | Should -BeOfType System.IO.FileInfo
            $result.FullName | Should -Be $out
            $result.Length | Should -Be $script:Large.Length
            $result.PSProvider.Name | Should -Be 'FileSystem'
        }

        It 'resolves a relative -OutFile against the current location' {
            Push-Location -LiteralPath $TestDrive
            try {
                ConvertFrom-StreamBase64 -LiteralPath $script:LargeText -OutFile 'out-relative.bin'
            }
            finally {
                Pop-Location
            }
            Test-Path -LiteralPath (Join-Path $TestDrive 'out-relative.bin') | Should -BeTrue
        }
    }

    Context 'From piped strings' {
        It 'treats piped strings as text, not paths' {
            $out = Join-Path $TestDrive 'out.bin'
            'QUJD' | ConvertFrom-StreamBase64 -OutFile $out
            [System.IO.File]::ReadAllText($out) | Should -BeExactly 'ABC'
        }

        It 'decodes the lines Get-Content reads as one text' {
            $out = Join-Path $TestDrive 'out.bin'
            Get-Content -LiteralPath $script:LargeText | ConvertFrom-StreamBase64 -OutFile $out
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Large.FullName)
        }

        It 'takes the text as -InputObject' {
            $out = Join-Path $TestDrive 'out.bin'
            ConvertFrom-StreamBase64 -InputObject 'QUJD', 'REVG' -OutFile $out
            [System.IO.File]::ReadAllText($out) | Should -BeExactly 'ABCDEF'
        }

        It 'refuses a file piped after text for the same -OutFile and keeps the text' {
            $out = Join-Path $TestDrive 'out.bin'
            $inputs = @('QUJD', (Get-Item -LiteralPath $script:LargeText))
            $inputs | ConvertFrom-StreamBase64 -OutFile $out -ErrorVariable problems -ErrorAction SilentlyContinue
            [System.IO.File]::ReadAllText($out) | Should -BeExactly 'ABC'
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'ConvertFromStreamBase64MultipleInputs,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
        }

        It 'skips empty strings and whitespace' {
            $out = Join-Path $TestDrive 'out.bin'
            '', 'QU JD', '', "`tREVG`r`n" | ConvertFrom-StreamBase64 -OutFile $out
            [System.IO.File]::ReadAllText($out) | Should -BeExactly 'ABCDEF'
        }

        It 'round-trips ConvertTo-StreamBase64 <Options> through the pipeline' -TestCases @(
            @{ Options = 'with no options'; LineLength = 0; UrlSafe = $false }
            @{ Options = '-LineLength 64'; LineLength = 64; UrlSafe = $false }
            @{ Options = '-UrlSafe'; LineLength = 0; UrlSafe = $true }
        ) {
            param($Options, $LineLength, $UrlSafe)
            $out = Join-Path $TestDrive 'out.bin'
            ConvertTo-StreamBase64 -LiteralPath $script:Large.FullName -LineLength $LineLength -UrlSafe:$UrlSafe |
                ConvertFrom-StreamBase64 -OutFile $out -UrlSafe:$UrlSafe
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Large.FullName)
        }

        It 'reads URL-safe text with or without padding with -UrlSafe' {
            $out = Join-Path $TestDrive 'out.bin'
            '-_-_-w' | ConvertFrom-StreamBase64 -OutFile $out -UrlSafe
            Get-FileBase64 -LiteralPath $out | Should -BeExactly '+/+/+w=='
            '-_-_-w==' | ConvertFrom-StreamBase64 -OutFile $out -UrlSafe
            Get-FileBase64 -LiteralPath $out | Should -BeExactly '+/+/+w=='
        }

        It 'writes nothing with -WhatIf' {
            $out = Join-Path $TestDrive 'out.bin'
            'QUJD' | ConvertFrom-StreamBase64 -OutFile $out -WhatIf
            Test-Path -LiteralPath $out | Should -BeFalse
            Test-Path -LiteralPath "$out.partial" | Should -BeFalse
        }
    }

    Context 'Errors' {
        It 'refuses a character outside the alphabet, naming its byte offset' {
            $bad = Join-Path $TestDrive 'bad.b64'
            [System.IO.File]::WriteAllText($bad, "QUJD`nQU*D`n")
            $out = Join-Path $TestDrive 'out.bin'
            ConvertFrom-StreamBase64 -LiteralPath $bad -OutFile $out -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConvertFromStreamBase64InvalidData*'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $problems[0].Exception.Message | Should -Match 'invalid character .\*. \(0x2A\) at byte offset 7'
            $problems[0].Exception.Message | Should -Match ([regex]::Escape($bad))
            Test-Path -LiteralPath $out | Should -BeFalse
            Test-Path -LiteralPath "$out.partial" | Should -BeFalse
        }

        It 'leaves an existing -OutFile as it was when the text is bad' {
            $out = Join-Path $TestDrive 'out.bin'
            [System.IO.File]::WriteAllText($out, 'precious')
            { 'QUJD', 'QU!D' | ConvertFrom-StreamBase64 -OutFile $out -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64InvalidData,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
            [System.IO.File]::ReadAllText($out) | Should -BeExactly 'precious'
        }

        It 'names the piped string and the character in it' {
            $out = Join-Path $TestDrive 'out.bin'
            'QUJD', 'QU!D' | ConvertFrom-StreamBase64 -OutFile $out -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].Exception.Message | Should -Match 'at character 3 of input string 2'
        }

        It 'refuses text that ends inside a group' {
            { 'QUJDQQ' | ConvertFrom-StreamBase64 -OutFile (Join-Path $TestDrive 'out.bin') -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64InvalidData,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
        }

        It 'throws FormatException for text that is not base64, as [Convert]::FromBase64String does' {
            { 'QU*D' | ConvertFrom-StreamBase64 -OutFile (Join-Path $TestDrive 'out.bin') -ErrorAction Stop } |
                Should -Throw -ExceptionType ([System.FormatException])
            $caught = $null
            try {
                'QU*D' | ConvertFrom-StreamBase64 -OutFile (Join-Path $TestDrive 'out.bin') -ErrorAction Stop
            }
            catch [System.FormatException] {
                $caught = $_
            }
            $caught.Exception.InnerException.Error.Condition | Should -Be 'InvalidData'
        }

        It 'refuses the standard alphabet with -UrlSafe' {
            { '+/+/+w==' | ConvertFrom-StreamBase64 -OutFile (Join-Path $TestDrive 'out.bin') -UrlSafe -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64InvalidData,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
        }

        It 'reports a missing file with its own error id' {
            { ConvertFrom-StreamBase64 -Path (Join-Path $TestDrive 'missing.b64') -OutFile (Join-Path $TestDrive 'out.bin') -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64FileNotFound,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
        }

        It 'carries the condition inside the exception of a missing -Path' {
            $caught = $null
            try {
                ConvertFrom-StreamBase64 -Path (Join-Path $TestDrive 'missing.b64') -OutFile (Join-Path $TestDrive 'out.bin') -ErrorAction Stop
            }
            catch {
                $caught = $_
            }
            $caught | Should -Not -BeNullOrEmpty
            $caught.Exception.InnerException.Error.Condition | Should -Be 'FileNotFound'
        }

        It 'reports a wildcard that matches nothing, since -OutFile is not written' {
            $out = Join-Path $TestDrive 'nomatch-out.bin'
            { ConvertFrom-StreamBase64 -Path (Join-Path $TestDrive 'nothing-here*.b64') -OutFile $out -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64FileNotFound,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
            Test-Path -LiteralPath $out | Should -BeFalse
        }

        It 'refuses a directory as -OutFile' {
            { 'QUJD' | ConvertFrom-StreamBase64 -OutFile $TestDrive -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64OutFileIsDirectory,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
        }

        It 'refuses an -OutFile that is the input file and leaves the input as it was' {
            $in = Join-Path $TestDrive 'same.b64'
            [System.IO.File]::WriteAllText($in, 'QUJD')
            { ConvertFrom-StreamBase64 -LiteralPath $in -OutFile $in -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64OutFileIsInput,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
            [System.IO.File]::ReadAllText($in) | Should -BeExactly 'QUJD'
        }

        It 'writes an empty file when no text comes down the pipeline, so an empty file makes the round trip' {
            $out = Join-Path $TestDrive 'nothing-piped.bin'
            @() | ConvertFrom-StreamBase64 -OutFile $out
            (Get-Item -LiteralPath $out).Length | Should -Be 0

            $empty = Join-Path $TestDrive 'empty-source.bin'
            [System.IO.File]::WriteAllBytes($empty, [byte[]]@())
            $round = Join-Path $TestDrive 'empty-round.bin'
            ConvertTo-StreamBase64 -LiteralPath $empty -LineLength 76 | ConvertFrom-StreamBase64 -OutFile $round
            (Get-Item -LiteralPath $round).Length | Should -Be 0

            $dry = Join-Path $TestDrive 'nothing-piped-whatif.bin'
            @() | ConvertFrom-StreamBase64 -OutFile $dry -WhatIf
            Test-Path -LiteralPath $dry | Should -BeFalse
        }

        It 'replaces -OutFile with an empty file when $null or an empty -InputObject is all there is' {
            # A probe: `$response.content | ConvertFrom-StreamBase64 -OutFile f` with no such field left an old f as it
            # was, with no error; $null | Set-Content f empties it.
            $response = [pscustomobject]@{ other = 1 }
            $stale = Join-Path $TestDrive 'stale.bin'
            Set-Content -LiteralPath $stale -Value 'STALE' -NoNewline
            $response.content | ConvertFrom-StreamBase64 -OutFile $stale
            (Get-Item -LiteralPath $stale).Length | Should -Be 0

            Set-Content -LiteralPath $stale -Value 'STALE' -NoNewline
            ConvertFrom-StreamBase64 -InputObject @() -OutFile $stale
            (Get-Item -LiteralPath $stale).Length | Should -Be 0

            Set-Content -LiteralPath $stale -Value 'STALE' -NoNewline
            ConvertFrom-StreamBase64 -InputObject $null -OutFile $stale
            (Get-Item -LiteralPath $stale).Length | Should -Be 0
        }

        It 'refuses an -OutFile that is a URL, saying so' {
            { 'QUJD' | ConvertFrom-StreamBase64 -OutFile 'https://example.com/x.bin' } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64NotFileSystemPath,StreamFiles.PowerShell.ConvertFromStreamBase64Command' -ExpectedMessage '*is an HTTP URL*local files only*'
        }

        It 'reports an -OutFile on a drive that does not exist without terminating, and reads nothing' {
            'QUJD' | ConvertFrom-StreamBase64 -OutFile 'nosuchdrive:/out.bin' -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConvertFromStreamBase64OutFileDirectoryNotFound*'
        }

        It 'refuses an -OutFile of another provider' {
            { 'QUJD' | ConvertFrom-StreamBase64 -OutFile 'Env:StreamFilesOut' } |
                Should -Throw -ErrorId 'ConvertFromStreamBase64NotFileSystemPath,StreamFiles.PowerShell.ConvertFromStreamBase64Command'
        }
    }

    Context 'Progress' {
        It 'writes progress records and completes them' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath)
                $null = $ps.AddStatement().AddCommand('ConvertFrom-StreamBase64').AddParameter('LiteralPath', $script:LargeText).AddParameter('OutFile', (Join-Path $TestDrive 'out-progress.bin'))
                $null = $ps.Invoke()
                $ps.HadErrors | Should -BeFalse
                $parents = @($ps.Streams.Progress | Where-Object { $_.ParentActivityId -eq -1 })
                $parents.Count | Should -BeGreaterThan 0
                $parents[-1].RecordType | Should -Be 'Completed'
            }
            finally {
                $ps.Dispose()
            }
        }
    }
}
