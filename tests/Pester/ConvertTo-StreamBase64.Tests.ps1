#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-StreamFilesModulePath
    Import-Module $script:ModulePath -Force -ErrorAction Stop

    function Get-ExpectedBase64 {
        param([Parameter(Mandatory = $true)] [string] $LiteralPath)
        [System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($LiteralPath))
    }

    # The lines .NET's one-shot conversion makes at 76 characters (it joins them with CRLF).
    function Get-ExpectedLines {
        param([Parameter(Mandatory = $true)] [string] $LiteralPath)
        $text = [System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($LiteralPath), [System.Base64FormattingOptions]::InsertLineBreaks)
        , ($text -split "`r`n")
    }
}

AfterAll {
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'ConvertTo-StreamBase64' -Tags 'CI' {

    BeforeAll {
        $script:Small = New-RandomFile -LiteralPath (Join-Path $TestDrive 'small.bin') -Length 1000 -Seed 11
        $script:Large = New-RandomFile -LiteralPath (Join-Path $TestDrive 'large.bin') -Length (2MB + 5) -Seed 12
        $script:Empty = Join-Path $TestDrive 'empty.bin'
        [System.IO.File]::WriteAllBytes($script:Empty, [byte[]]@())
        # Encodes to "+/+/+w==": both characters the URL-safe alphabet replaces, and padding.
        $script:Special = Join-Path $TestDrive 'special.bin'
        [System.IO.File]::WriteAllBytes($script:Special, [byte[]](0xFB, 0xFF, 0xBF, 0xFB))
    }

    AfterEach {
        Remove-Item -Path (Join-Path $TestDrive 'out*') -Force -ErrorAction SilentlyContinue
    }

    Context 'Module' {
        It 'exports the cmdlet from the StreamFiles module' {
            $command = Get-Command -Name ConvertTo-StreamBase64 -Module StreamFiles
            $command.CommandType | Should -Be 'Cmdlet'
        }
    }

    Context 'Agrees with [Convert]::ToBase64String' {
        It 'encodes <Length> bytes like the one-shot conversion' -TestCases @(
            @{ Length = 0 }
            @{ Length = 1 }
            @{ Length = 2 }
            @{ Length = 3 }
            @{ Length = 4 }
            @{ Length = 5 }
            @{ Length = 6 }
            @{ Length = 7 }
            @{ Length = 8 }
            @{ Length = 9 }
            @{ Length = 10 }
            @{ Length = 24576 }
            @{ Length = 24577 }
        ) {
            param($Length)
            $path = Join-Path $TestDrive "len$Length.bin"
            New-RandomFile -LiteralPath $path -Length $Length -Seed $Length | Out-Null
            $expected = Get-ExpectedBase64 -LiteralPath $path

            ConvertTo-StreamBase64 -LiteralPath $path -AsString | Should -BeExactly $expected
            (@(ConvertTo-StreamBase64 -LiteralPath $path) -join '') | Should -BeExactly $expected
        }

        It 'writes an empty file as one empty string' {
            $results = @(ConvertTo-StreamBase64 -LiteralPath $script:Empty)
            $results.Count | Should -Be 1
            $results[0] | Should -BeExactly ''
        }

        It 'writes an empty file as no line at all with -LineLength, as base64 -w does' {
            @(ConvertTo-StreamBase64 -LiteralPath $script:Empty -LineLength 76).Count | Should -Be 0
        }

        It 'writes a large file as bounded strings that join to the whole text' {
            $chunks = @(ConvertTo-StreamBase64 -LiteralPath $script:Large.FullName)
            $chunks.Count | Should -BeGreaterThan 1
            ($chunks | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 32768
            ($chunks -join '') | Should -BeExactly (Get-ExpectedBase64 -LiteralPath $script:Large.FullName)
        }
    }

    Context 'Line length and alphabet' {
        It 'writes one string per line with -LineLength' {
            $lines = @(ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -LineLength 76)
            $expected = Get-ExpectedLines -LiteralPath $script:Small.FullName
            $lines.Count | Should -Be 18
            $lines[0].Length | Should -Be 76
            $lines | Should -Be $expected
        }

        It 'joins the lines with LF in one string with -AsString' {
            $expected = (Get-ExpectedLines -LiteralPath $script:Small.FullName) -join "`n"
            ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -LineLength 76 -AsString | Should -BeExactly $expected
        }

        It 'uses - and _ without padding with -UrlSafe' {
            ConvertTo-StreamBase64 -LiteralPath $script:Special -AsString | Should -BeExactly '+/+/+w=='
            ConvertTo-StreamBase64 -LiteralPath $script:Special -UrlSafe -AsString | Should -BeExactly '-_-_-w'
        }
    }

    Context 'OutFile' {
        It 'writes the text to the file and outputs nothing' {
            $out = Join-Path $TestDrive 'out.b64'
            $result = ConvertTo-StreamBase64 -LiteralPath $script:Large.FullName -OutFile $out
            $result | Should -BeNullOrEmpty
            [System.IO.File]::ReadAllText($out) | Should -BeExactly (Get-ExpectedBase64 -LiteralPath $script:Large.FullName)
            Test-Path -LiteralPath "$out.partial" | Should -BeFalse
        }

        It 'writes piped files to the file too' {
            # With -OutFile given and the paths still to come, PowerShell has not chosen between PathOutFile and
            # LiteralPathOutFile when the command starts.
            $out = Join-Path $TestDrive 'out-piped.b64'
            $result = Get-Item -LiteralPath $script:Small.FullName | ConvertTo-StreamBase64 -OutFile $out
            $result | Should -BeNullOrEmpty
            [System.IO.File]::ReadAllText($out) | Should -BeExactly (Get-ExpectedBase64 -LiteralPath $script:Small.FullName)
            $out = Join-Path $TestDrive 'out-piped-string.b64'
            $result = $script:Small.FullName | ConvertTo-StreamBase64 -OutFile $out -PassThru
            $result.FullName | Should -Be $out
            [System.IO.File]::ReadAllText($out) | Should -BeExactly (Get-ExpectedBase64 -LiteralPath $script:Small.FullName)
        }

        It 'ends wrapped text with a newline, as base64 -w does' {
            $out = Join-Path $TestDrive 'out.b64'
            ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile $out -LineLength 76
            $expected = ((Get-ExpectedLines -LiteralPath $script:Small.FullName) -join "`n") + "`n"
            [System.IO.File]::ReadAllText($out) | Should -BeExactly $expected
        }

        It 'returns the file with -PassThru' {
            $out = Join-Path $TestDrive 'out.b64'
            $result = ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile $out -PassThru
            $result | Should -BeOfType System.IO.FileInfo
            $result.FullName | Should -Be $out
            $result.Length | Should -Be 1336
            # The provider's item, as Get-Item gives it: it formats with its directory and binds to -LiteralPath.
            $result.PSProvider.Name | Should -Be 'FileSystem'
            $result.PSPath | Should -Not -BeNullOrEmpty
        }

        It 'refuses a FIFO instead of waiting for a writer forever' -Skip:(-not $IsLinux) {
            $fifo = Join-Path $TestDrive 'pipe.fifo'
            & mkfifo $fifo
            ConvertTo-StreamBase64 -LiteralPath $fifo -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConvertToStreamBase64NotARegularFile*'
            $problems[0].Exception.Message | Should -BeLike '*| streamfiles base64)*'
        }

        It 'replaces an existing file' {
            $out = Join-Path $TestDrive 'out.b64'
            [System.IO.File]::WriteAllText($out, 'old')
            ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile $out
            [System.IO.File]::ReadAllText($out) | Should -BeExactly (Get-ExpectedBase64 -LiteralPath $script:Small.FullName)
        }

        It 'resolves a relative -OutFile against the current location' {
            Push-Location -LiteralPath $TestDrive
            try {
                ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile 'out-relative.b64'
            }
            finally {
                Pop-Location
            }
            Test-Path -LiteralPath (Join-Path $TestDrive 'out-relative.b64') | Should -BeTrue
        }

        It 'writes nothing with -WhatIf' {
            $out = Join-Path $TestDrive 'out.b64'
            ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile $out -WhatIf
            Test-Path -LiteralPath $out | Should -BeFalse
            Test-Path -LiteralPath "$out.partial" | Should -BeFalse
        }

        It 'refuses a second input for the same -OutFile and keeps the first' {
            $out = Join-Path $TestDrive 'out.b64'
            ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName, $script:Special -OutFile $out -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConvertToStreamBase64MultipleInputs*'
            [System.IO.File]::ReadAllText($out) | Should -BeExactly (Get-ExpectedBase64 -LiteralPath $script:Small.FullName)
        }
    }

    Context 'Binding' {
        BeforeAll {
            $script:BindDir = Join-Path $TestDrive 'bind'
            New-Item -ItemType Directory -Path $script:BindDir | Out-Null
            New-RandomFile -LiteralPath (Join-Path $script:BindDir 'one.dat') -Length 10 -Seed 3 | Out-Null
            New-RandomFile -LiteralPath (Join-Path $script:BindDir 'two.dat') -Length 20 -Seed 4 | Out-Null
            New-Item -ItemType Directory -Path (Join-Path $script:BindDir 'sub') | Out-Null
            [System.IO.File]::WriteAllText((Join-Path $script:BindDir 'a[1].txt'), 'literal')
            [System.IO.File]::WriteAllText((Join-Path $script:BindDir 'a1.txt'), 'wildcard')
        }

        It 'takes FileInfo objects from Get-ChildItem' {
            $results = @(Get-ChildItem -LiteralPath $script:BindDir -Filter '*.dat' | ConvertTo-StreamBase64 -AsString)
            $results.Count | Should -Be 2
        }

        It 'takes path strings from the pipeline' {
            $result = (Join-Path $script:BindDir 'one.dat') | ConvertTo-StreamBase64 -AsString
            $result | Should -BeExactly (Get-ExpectedBase64 -LiteralPath (Join-Path $script:BindDir 'one.dat'))
        }

        It 'expands wildcards in -Path and passes over directories they match' {
            $results = @(ConvertTo-StreamBase64 -Path (Join-Path $script:BindDir '*') -AsString -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems.Count | Should -Be 0
            $results.Count | Should -Be 4
        }

        It 'reads brackets as a wildcard in -Path and literally in -LiteralPath' {
            ConvertTo-StreamBase64 -Path (Join-Path $script:BindDir 'a[1].txt') -AsString | Should -BeExactly 'd2lsZGNhcmQ='
            ConvertTo-StreamBase64 -LiteralPath (Join-Path $script:BindDir 'a[1].txt') -AsString | Should -BeExactly 'bGl0ZXJhbA=='
        }

        It 'binds the first position to Path' {
            ConvertTo-StreamBase64 (Join-Path $script:BindDir 'a1.txt') -AsString | Should -BeExactly 'd2lsZGNhcmQ='
        }
    }

    Context 'Errors' {
        It 'reports a missing file with its own error id' {
            { ConvertTo-StreamBase64 -Path (Join-Path $TestDrive 'missing.bin') -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertToStreamBase64FileNotFound,StreamFiles.PowerShell.ConvertToStreamBase64Command'
        }

        It 'passes over a wildcard that matches nothing, unless -OutFile waits for it' {
            $output = @(ConvertTo-StreamBase64 -Path (Join-Path $TestDrive 'nothing-here*.bin') -ErrorAction Stop)
            $output.Count | Should -Be 0
            $out = Join-Path $TestDrive 'nomatch-out.b64'
            { ConvertTo-StreamBase64 -Path (Join-Path $TestDrive 'nothing-here*.bin') -OutFile $out -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertToStreamBase64FileNotFound,StreamFiles.PowerShell.ConvertToStreamBase64Command'
            Test-Path -LiteralPath $out | Should -BeFalse
        }

        It 'carries the condition inside the exception of a missing -Path, with or without -OutFile' {
            foreach ($outFile in @($null, (Join-Path $TestDrive 'condition-out.b64'))) {
                $caught = $null
                try {
                    if ($outFile) {
                        ConvertTo-StreamBase64 -Path (Join-Path $TestDrive 'nothing-here*.bin') -OutFile $outFile -ErrorAction Stop
                    }
                    else {
                        ConvertTo-StreamBase64 -Path (Join-Path $TestDrive 'missing.bin') -ErrorAction Stop
                    }
                }
                catch {
                    $caught = $_
                }
                $caught | Should -Not -BeNullOrEmpty
                $caught.Exception.InnerException.Error.Condition | Should -Be 'FileNotFound'
            }
        }

        It 'refuses a directory named explicitly' {
            { ConvertTo-StreamBase64 -LiteralPath $TestDrive -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertToStreamBase64PathIsDirectory,StreamFiles.PowerShell.ConvertToStreamBase64Command'
        }

        It 'refuses paths of other providers' {
            { ConvertTo-StreamBase64 -Path 'Env:PATH' -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertToStreamBase64NotFileSystemPath,StreamFiles.PowerShell.ConvertToStreamBase64Command'
        }

        It 'refuses an -OutFile of another provider before reading anything' {
            { ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile 'Env:StreamFilesOut' } |
                Should -Throw -ErrorId 'ConvertToStreamBase64NotFileSystemPath,StreamFiles.PowerShell.ConvertToStreamBase64Command'
        }

        It 'refuses an -OutFile that is a URL, saying so, before reading anything' {
            { ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile 's3://streamfiles-test/x.b64' } |
                Should -Throw -ErrorId 'ConvertToStreamBase64NotFileSystemPath,StreamFiles.PowerShell.ConvertToStreamBase64Command' -ExpectedMessage '*is an S3 URL*local files only*'
        }

        It 'reports an -OutFile on a drive that does not exist as it reports a missing directory: not terminating' {
            $results = @(ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile 'nosuchdrive:/out.b64' -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results.Count | Should -Be 0
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConvertToStreamBase64OutFileDirectoryNotFound*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'says that a URL given as the path is not a local file' {
            ConvertTo-StreamBase64 -LiteralPath 's3://streamfiles-test/x.bin' -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConvertToStreamBase64NotFileSystemPath*'
            $problems[0].Exception.Message | Should -BeLike '*is an S3 URL*local files only*'
            $problems[0].Exception.Message | Should -Not -BeLike '*-LiteralPath*'
        }

        It 'refuses an -OutFile in a directory that does not exist' {
            $out = Join-Path (Join-Path $TestDrive 'nowhere') 'out.b64'
            { ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -OutFile $out -ErrorAction Stop } |
                Should -Throw -ErrorId 'ConvertToStreamBase64OutFileDirectoryNotFound,StreamFiles.PowerShell.ConvertToStreamBase64Command'
        }

        It 'goes on with the next file after a failed one' {
            $inputs = @((Join-Path $TestDrive 'missing.bin'), $script:Special)
            $results = @(ConvertTo-StreamBase64 -LiteralPath $inputs -AsString -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results | Should -Be @('+/+/+w==')
            $problems.Count | Should -Be 1
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'rejects a negative -LineLength at binding' {
            { ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -LineLength -1 -ErrorAction Stop } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,StreamFiles.PowerShell.ConvertToStreamBase64Command'
        }

        It 'does not take -AsString and -OutFile together' {
            { ConvertTo-StreamBase64 -LiteralPath $script:Small.FullName -AsString -OutFile (Join-Path $TestDrive 'out.b64') -ErrorAction Stop } |
                Should -Throw -ErrorId 'AmbiguousParameterSet,StreamFiles.PowerShell.ConvertToStreamBase64Command'
        }
    }

    Context 'Progress' {
        It 'writes progress records and completes them' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath)
                $null = $ps.AddStatement().AddCommand('ConvertTo-StreamBase64').AddParameter('LiteralPath', $script:Large.FullName).AddParameter('OutFile', (Join-Path $TestDrive 'out-progress.b64'))
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

        It 'writes no progress when ProgressPreference is SilentlyContinue' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath)
                $null = $ps.AddStatement().AddCommand('Set-Variable').AddParameter('Name', 'ProgressPreference').AddParameter('Value', 'SilentlyContinue')
                $null = $ps.AddStatement().AddCommand('ConvertTo-StreamBase64').AddParameter('LiteralPath', $script:Large.FullName)
                $results = $ps.Invoke()
                $results.Count | Should -BeGreaterThan 1
                $ps.Streams.Progress.Count | Should -Be 0
            }
            finally {
                $ps.Dispose()
            }
        }
    }
}
