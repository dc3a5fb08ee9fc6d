#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-StreamFilesModulePath
    Import-Module $script:ModulePath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'Get-FileHashChunked' -Tags 'CI' {

    BeforeAll {
        $script:Small = New-RandomFile -LiteralPath (Join-Path $TestDrive 'small.bin') -Length 1000 -Seed 1
        $script:Large = New-RandomFile -LiteralPath (Join-Path $TestDrive 'large.bin') -Length (3MB + 17) -Seed 2
        $script:Empty = Join-Path $TestDrive 'empty.bin'
        [System.IO.File]::WriteAllBytes($script:Empty, [byte[]]@())
    }

    Context 'Module' {
        It 'exports the cmdlet from the StreamFiles module' {
            $command = Get-Command -Name Get-FileHashChunked -Module StreamFiles
            $command.CommandType | Should -Be 'Cmdlet'
        }
    }

    Context 'Agrees with Get-FileHash' {
        It 'computes <Algorithm> like Get-FileHash' -TestCases @(
            @{ Algorithm = 'SHA256' }
            @{ Algorithm = 'SHA1' }
            @{ Algorithm = 'SHA384' }
            @{ Algorithm = 'SHA512' }
            @{ Algorithm = 'MD5' }
        ) {
            param($Algorithm)
            foreach ($file in @($script:Small.FullName, $script:Large.FullName, $script:Empty)) {
                $expected = Get-FileHash -LiteralPath $file -Algorithm $Algorithm
                $actual = Get-FileHashChunked -LiteralPath $file -Algorithm $Algorithm
                $actual.Algorithm | Should -Be $expected.Algorithm
                $actual.Hash | Should -Be $expected.Hash
                $actual.Path | Should -Be $expected.Path
            }
        }

        It 'computes several algorithms in one call' {
            $result = Get-FileHashChunked -LiteralPath $script:Large.FullName -Algorithm SHA256, MD5, SHA1
            $result.Algorithm | Should -Be 'SHA256'
            $result.Hashes['SHA256'] | Should -Be (Get-FileHash -LiteralPath $script:Large.FullName -Algorithm SHA256).Hash
            $result.Hashes['MD5'] | Should -Be (Get-FileHash -LiteralPath $script:Large.FullName -Algorithm MD5).Hash
            $result.Hashes['SHA1'] | Should -Be (Get-FileHash -LiteralPath $script:Large.FullName -Algorithm SHA1).Hash
            $result.Length | Should -Be $script:Large.Length
        }

        It 'uses SHA256 when no algorithm is given' {
            (Get-FileHashChunked -LiteralPath $script:Small.FullName).Algorithm | Should -Be 'SHA256'
        }
    }

    Context 'Checksums with published check values' {
        BeforeAll {
            $script:CheckFile = Join-Path $TestDrive 'check.txt'
            [System.IO.File]::WriteAllText($script:CheckFile, '123456789')
        }

        It 'computes CRC32 of "123456789" as CBF43926' {
            (Get-FileHashChunked -LiteralPath $script:CheckFile -Algorithm CRC32).Hash | Should -Be 'CBF43926'
        }

        It 'computes CRC32C of "123456789" as E3069283' {
            (Get-FileHashChunked -LiteralPath $script:CheckFile -Algorithm CRC32C).Hash | Should -Be 'E3069283'
        }

        It 'computes CRC64NVME of "123456789" as AE8B14860A799888' {
            (Get-FileHashChunked -LiteralPath $script:CheckFile -Algorithm CRC64NVME).Hash | Should -Be 'AE8B14860A799888'
        }

        It 'gives the plain MD5 as S3ETag when the file fits in one part' {
            $etag = (Get-FileHashChunked -LiteralPath $script:Small.FullName -Algorithm S3ETag).Hash
            $etag | Should -Be (Get-FileHash -LiteralPath $script:Small.FullName -Algorithm MD5).Hash
        }

        It 'gives an S3ETag with the part count for a file of several parts' {
            $etag = (Get-FileHashChunked -LiteralPath $script:Large.FullName -Algorithm S3ETag -ChunkSize 1MB).Hash
            $etag | Should -Match '^[0-9A-F]{32}-4$'
        }
    }

    Context 'Chunk hashes' {
        It 'hashes every chunk like Get-FileHash hashes that slice' {
            $result = Get-FileHashChunked -LiteralPath $script:Large.FullName -Algorithm MD5 -ChunkSize 1MB -IncludeChunkHash
            $result.Chunks.Count | Should -Be 4
            $result.ChunkSize | Should -Be 1MB
            $bytes = [System.IO.File]::ReadAllBytes($script:Large.FullName)
            foreach ($chunk in $result.Chunks) {
                $slicePath = Join-Path $TestDrive "slice$($chunk.Index).bin"
                $slice = New-Object byte[] $chunk.Length
                [System.Array]::Copy($bytes, $chunk.Offset, $slice, 0, $chunk.Length)
                [System.IO.File]::WriteAllBytes($slicePath, $slice)
                $chunk.Hash | Should -Be (Get-FileHash -LiteralPath $slicePath -Algorithm MD5).Hash
            }
            $result.Chunks[3].Length | Should -Be 17
        }

        It 'has no chunks unless asked' {
            (Get-FileHashChunked -LiteralPath $script:Small.FullName).Chunks | Should -BeNullOrEmpty
        }
    }

    Context 'Binding' {
        BeforeAll {
            $script:BindDir = Join-Path $TestDrive 'bind'
            New-Item -ItemType Directory -Path $script:BindDir | Out-Null
            New-RandomFile -LiteralPath (Join-Path $script:BindDir 'one.txt') -Length 10 -Seed 3 | Out-Null
            New-RandomFile -LiteralPath (Join-Path $script:BindDir 'two.txt') -Length 20 -Seed 4 | Out-Null
            New-Item -ItemType Directory -Path (Join-Path $script:BindDir 'sub') | Out-Null
            Set-Content -LiteralPath (Join-Path $script:BindDir 'a[1].txt') -Value 'literal'
            Set-Content -LiteralPath (Join-Path $script:BindDir 'a1.txt') -Value 'wildcard'
        }

        It 'takes FileInfo objects from Get-ChildItem' {
            $results = @(Get-ChildItem -LiteralPath $script:BindDir -Filter '*.txt' | Where-Object { $_.Name -in 'one.txt', 'two.txt' } | Get-FileHashChunked)
            $results.Count | Should -Be 2
            ($results.Path | Sort-Object) | Should -Be @((Join-Path $script:BindDir 'one.txt'), (Join-Path $script:BindDir 'two.txt'))
        }

        It 'takes path strings from the pipeline' {
            $results = @((Join-Path $script:BindDir 'one.txt'), (Join-Path $script:BindDir 'two.txt') | Get-FileHashChunked)
            $results.Count | Should -Be 2
        }

        It 'expands wildcards in -Path and passes over directories they match' {
            $results = @(Get-FileHashChunked -Path (Join-Path $script:BindDir '*') -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems.Count | Should -Be 0
            $results.Count | Should -Be 4
        }

        It 'reads brackets as a wildcard in -Path and literally in -LiteralPath' {
            $viaPath = Get-FileHashChunked -Path (Join-Path $script:BindDir 'a[1].txt')
            $viaLiteral = Get-FileHashChunked -LiteralPath (Join-Path $script:BindDir 'a[1].txt')
            $viaPath.Path | Should -Be (Join-Path $script:BindDir 'a1.txt')
            $viaLiteral.Path | Should -Be (Join-Path $script:BindDir 'a[1].txt')
            $viaLiteral.Hash | Should -Be (Get-FileHash -LiteralPath (Join-Path $script:BindDir 'a[1].txt')).Hash
        }

        It 'binds the first two positions to Path and Algorithm' {
            $result = Get-FileHashChunked (Join-Path $script:BindDir 'one.txt') MD5
            $result.Algorithm | Should -Be 'MD5'
        }
    }

    Context 'Errors' {
        It 'reports a missing file with its own error id' {
            { Get-FileHashChunked -Path (Join-Path $TestDrive 'missing.bin') -ErrorAction Stop } |
                Should -Throw -ErrorId 'GetFileHashChunkedFileNotFound,StreamFiles.PowerShell.GetFileHashChunkedCommand'
        }

        It 'carries the condition inside the exception of a missing -Path, as about_StreamFiles says' {
            # A probe: the inner exception was PowerShell's own ItemNotFoundException, with no Error.Condition.
            $caught = $null
            try {
                Get-FileHashChunked -Path (Join-Path $TestDrive 'missing.bin') -ErrorAction Stop
            }
            catch [System.Management.Automation.ItemNotFoundException] {
                $caught = $_
            }
            $caught | Should -Not -BeNullOrEmpty
            $caught.Exception.InnerException.Error.Condition | Should -Be 'FileNotFound'
            $caught.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $caught.CategoryInfo.Reason | Should -Be 'ItemNotFoundException'
        }

        It 'reports a missing literal path with the same id' {
            { Get-FileHashChunked -LiteralPath (Join-Path $TestDrive 'missing.bin') -ErrorAction Stop } |
                Should -Throw -ErrorId 'GetFileHashChunkedFileNotFound,StreamFiles.PowerShell.GetFileHashChunkedCommand'
        }

        It 'says nothing when a wildcard matches nothing' {
            $results = @(Get-FileHashChunked -Path (Join-Path $TestDrive 'nothing*.zzz') -ErrorVariable problems)
            $results.Count | Should -Be 0
            $problems.Count | Should -Be 0
        }

        It 'refuses a directory named explicitly' {
            { Get-FileHashChunked -LiteralPath $TestDrive -ErrorAction Stop } |
                Should -Throw -ErrorId 'GetFileHashChunkedPathIsDirectory,StreamFiles.PowerShell.GetFileHashChunkedCommand'
        }

        It 'refuses paths of other providers' {
            { Get-FileHashChunked -Path 'Env:PATH' -ErrorAction Stop } |
                Should -Throw -ErrorId 'GetFileHashChunkedNotFileSystemPath,StreamFiles.PowerShell.GetFileHashChunkedCommand'
        }

        It 'says that a URL is not a local file, without suggesting -LiteralPath' {
            Get-FileHashChunked -Path 'https://example.com/x.bin' -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'GetFileHashChunkedNotFileSystemPath*'
            $problems[0].Exception.Message | Should -BeLike '*is an HTTP URL*local files only*'
        }

        It 'goes on with the batch after a failed file' {
            $inputs = @((Join-Path $TestDrive 'missing.bin'), $script:Small.FullName)
            $results = @(Get-FileHashChunked -LiteralPath $inputs -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results.Count | Should -Be 1
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'GetFileHashChunkedFileNotFound*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'outputs the hashes of the files before a missing one that ends the command under -ErrorAction Stop' {
            # As Get-FileHash does: what was hashed before the failed path is not lost with the terminating error.
            $got = New-Object System.Collections.Generic.List[object]
            $inputs = @($script:Small.FullName, $script:Large.FullName, (Join-Path $TestDrive 'missing.bin'))
            { $inputs | Get-FileHashChunked -ErrorAction Stop | ForEach-Object { $got.Add($_) } } |
                Should -Throw -ErrorId 'GetFileHashChunkedFileNotFound,StreamFiles.PowerShell.GetFileHashChunkedCommand'
            $got.Count | Should -Be 2
            @($got | ForEach-Object { $_.Hash } | Sort-Object) | Should -Be @(@($script:Small.FullName, $script:Large.FullName) | ForEach-Object { (Get-FileHash -LiteralPath $_).Hash } | Sort-Object)
        }

        It 'rejects an unknown algorithm at binding' {
            { Get-FileHashChunked -LiteralPath $script:Small.FullName -Algorithm 'SHA3' -ErrorAction Stop } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,StreamFiles.PowerShell.GetFileHashChunkedCommand'
        }

        It 'rejects a throttle limit of 0 at binding' {
            { Get-FileHashChunked -LiteralPath $script:Small.FullName -ThrottleLimit 0 -ErrorAction Stop } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,StreamFiles.PowerShell.GetFileHashChunkedCommand'
        }
    }

    Context 'Output' {
        It 'outputs FileHashResult objects' {
            $result = Get-FileHashChunked -LiteralPath $script:Small.FullName
            $result.PSObject.TypeNames[0] | Should -Be 'StreamFiles.Core.Hashing.FileHashResult'
            $result.Length | Should -Be 1000
        }

        It 'formats as Get-FileHash does: the whole hash at 80 columns, the path when there is room' {
            # A Size column cut to its last characters ("…00 B" for 1000 B) read as another size at 80 columns; the
            # table has Get-FileHash's columns and widths now, and the size is in the list view and in Length.
            $narrow = Get-FileHashChunked -LiteralPath $script:Small.FullName | Out-String -Width 80
            $narrow | Should -Match ([regex]::Escape((Get-FileHash -LiteralPath $script:Small.FullName).Hash))
            $narrow | Should -Not -Match '…'
            $wide = Get-FileHashChunked -LiteralPath $script:Small.FullName | Format-Table | Out-String -Width 160
            $wide | Should -Match 'SHA256'
            $wide | Should -Match ([regex]::Escape($script:Small.FullName))
            Get-FileHashChunked -LiteralPath $script:Small.FullName | Format-List | Out-String | Should -Match '1000 B'
        }

        It 'shows the chunk size as a size in the list view' {
            $list = Get-FileHashChunked -LiteralPath $script:Large.FullName -ChunkSize 1MB -IncludeChunkHash | Format-List | Out-String
            $list | Should -Match 'ChunkSize\s*:\s*1(\.00)? MiB \('
        }

        It 'shows the whole SHA256 in the table, as Get-FileHash does' {
            $expected = (Get-FileHash -LiteralPath $script:Small.FullName -Algorithm SHA256).Hash
            $text = Get-FileHashChunked -LiteralPath $script:Small.FullName | Out-String -Width 120
            $text | Should -Match $expected
        }

        It 'lays out the table in the columns of Get-FileHash' {
            # A probe: the Hash column was 64 wide, Get-FileHash's is wider; the header lines show each column's start.
            $ours = @((Get-FileHashChunked -LiteralPath $script:Small.FullName | Out-String -Width 300) -split "`r?`n" | Where-Object { $_ -match '^Algorithm' })
            $theirs = @((Get-FileHash -LiteralPath $script:Small.FullName | Out-String -Width 300) -split "`r?`n" | Where-Object { $_ -match '^Algorithm' })
            $ours.Count | Should -Be 1
            $ours[0].TrimEnd() | Should -BeExactly $theirs[0].TrimEnd()
        }
    }

    Context 'Progress' {
        It 'writes a parent record and child records, and completes them' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath)
                $null = $ps.AddStatement().AddCommand('Get-FileHashChunked').AddParameter('LiteralPath', @($script:Large.FullName, $script:Small.FullName))
                $results = $ps.Invoke()
                $results.Count | Should -Be 2
                $records = @($ps.Streams.Progress)
                $records.Count | Should -BeGreaterThan 0
                $parents = @($records | Where-Object { $_.ParentActivityId -eq -1 })
                $children = @($records | Where-Object { $_.ParentActivityId -ne -1 })
                $parents.Count | Should -BeGreaterThan 0
                $parents[-1].RecordType | Should -Be 'Completed'
                foreach ($child in $children) {
                    $child.ParentActivityId | Should -Be $parents[0].ActivityId
                }
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
                $null = $ps.AddStatement().AddCommand('Get-FileHashChunked').AddParameter('LiteralPath', $script:Large.FullName)
                $results = $ps.Invoke()
                $results.Count | Should -Be 1
                $ps.Streams.Progress.Count | Should -Be 0
            }
            finally {
                $ps.Dispose()
            }
        }

        It 'writes progress when -ProgressAction Continue overrides ProgressPreference SilentlyContinue' -Skip:($PSVersionTable.PSVersion -lt [version]'7.4') {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath)
                $null = $ps.AddStatement().AddCommand('Set-Variable').AddParameter('Name', 'ProgressPreference').AddParameter('Value', 'SilentlyContinue')
                $null = $ps.AddStatement().AddCommand('Get-FileHashChunked').AddParameter('LiteralPath', $script:Large.FullName).AddParameter('ProgressAction', 'Continue')
                $results = $ps.Invoke()
                $results.Count | Should -Be 1
                $ps.Streams.Progress.Count | Should -BeGreaterThan 0
            }
            finally {
                $ps.Dispose()
            }
        }
    }
}
