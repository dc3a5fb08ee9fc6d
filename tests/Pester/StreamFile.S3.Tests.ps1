#Requires -Modules Pester
# Send-StreamFile and Receive-StreamFile against a real S3 server: the one tests/run.sh starts (tests/s3-server),
# or any endpoint named by STREAMFILES_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY, _REGION, _BUCKET).
# Without an endpoint every test here is skipped, with that reason.

BeforeDiscovery {
    $script:NoServer = [string]::IsNullOrWhiteSpace($env:STREAMFILES_TEST_S3_ENDPOINT)
    # The role tests also need two roles the test user may assume (tests/s3-server/start.sh makes them on its RGW).
    $script:NoRoles = $script:NoServer -or [string]::IsNullOrWhiteSpace($env:STREAMFILES_TEST_S3_ROLE_ARN) -or [string]::IsNullOrWhiteSpace($env:STREAMFILES_TEST_S3_READER_ROLE_ARN)
}

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    Import-Module (Get-StreamFilesModulePath) -Force -ErrorAction Stop
    $ProgressPreference = 'SilentlyContinue'

    $script:Endpoint = $env:STREAMFILES_TEST_S3_ENDPOINT
    $script:Bucket = if ($env:STREAMFILES_TEST_S3_BUCKET) { $env:STREAMFILES_TEST_S3_BUCKET } else { 'streamfiles-test' }
    $script:Region = if ($env:STREAMFILES_TEST_S3_REGION) { $env:STREAMFILES_TEST_S3_REGION } else { 'us-east-1' }
    $script:Saved = @{ Id = $env:AWS_ACCESS_KEY_ID; Secret = $env:AWS_SECRET_ACCESS_KEY }
    $env:AWS_ACCESS_KEY_ID = if ($env:STREAMFILES_TEST_S3_ACCESS_KEY) { $env:STREAMFILES_TEST_S3_ACCESS_KEY } else { 'test' }
    $env:AWS_SECRET_ACCESS_KEY = if ($env:STREAMFILES_TEST_S3_SECRET_KEY) { $env:STREAMFILES_TEST_S3_SECRET_KEY } else { 'test' }
    $script:Prefix = 'pester/' + [guid]::NewGuid().ToString('N') + '/'
    $script:S3 = @{ EndpointUrl = $script:Endpoint; Region = $script:Region }

    function Get-Sha256 {
        param([Parameter(Mandatory = $true)] [string] $LiteralPath)
        (Get-FileHash -LiteralPath $LiteralPath -Algorithm SHA256).Hash
    }
}

AfterAll {
    $env:AWS_ACCESS_KEY_ID = $script:Saved.Id
    $env:AWS_SECRET_ACCESS_KEY = $script:Saved.Secret
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'Send-StreamFile and Receive-StreamFile with S3' -Tags 'CI' -Skip:$script:NoServer {

    BeforeAll {
        $script:Big = New-RandomFile -LiteralPath (Join-Path $TestDrive 'big.bin') -Length (12MB + 5) -Seed 51
    }

    It 'uploads a file in parts and downloads it byte-identical' {
        $up = Send-StreamFile -Path $script:Big.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)" -PartSize 5MB @S3
        $up.Status | Should -Be 'Completed'
        $up.Destination | Should -Be "s3://$($script:Bucket)/$($script:Prefix)big.bin"
        $up.Parts | Should -Be 3

        $back = Join-Path $TestDrive 'back.bin'
        $down = Receive-StreamFile -Source $up.Destination -Destination $back @S3
        $down.Status | Should -Be 'Completed'
        Get-Sha256 -LiteralPath $back | Should -Be (Get-Sha256 -LiteralPath $script:Big.FullName)
    }

    It 'binds objects with BucketName and Key from the pipeline' {
        $object = [pscustomobject]@{ BucketName = $script:Bucket; Key = "$($script:Prefix)big.bin" }
        $out = Join-Path $TestDrive 'piped'
        $result = $object | Receive-StreamFile -Destination "$out/" @S3
        $result.Status | Should -Be 'Completed'
        Get-Sha256 -LiteralPath (Join-Path $out 'big.bin') | Should -Be (Get-Sha256 -LiteralPath $script:Big.FullName)
    }

    It 'skips folder markers among the piped objects, as Get-S3Object lists them' {
        $objects = @(
            [pscustomobject]@{ BucketName = $script:Bucket; Key = $script:Prefix }
            [pscustomobject]@{ BucketName = $script:Bucket; Key = "$($script:Prefix)big.bin" }
        )
        $out = Join-Path $TestDrive 'markers'
        $result = $objects | Receive-StreamFile -Destination "$out/" -Verbose @S3 4>&1
        $verbose = @($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $files = @($result | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $files.Count | Should -Be 1
        $files[0].Status | Should -Be 'Completed'
        ($verbose.Message -join "`n") | Should -Match 'folder marker'
        @(Get-ChildItem -LiteralPath $out -Recurse -File).Count | Should -Be 1
    }

    It 'skips an unchanged upload without downloading it' {
        $again = Send-StreamFile -Path $script:Big.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)" -SkipUnchanged @S3
        $again.Status | Should -Be 'Skipped'
    }

    It 'reports a wrong secret with its own error id and without the secret' {
        $env:AWS_SECRET_ACCESS_KEY = 'not-the-secret-pester'
        try {
            $result = Send-StreamFile -Path $script:Big.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)x.bin" -ErrorVariable failed -ErrorAction SilentlyContinue @S3
        }
        finally {
            $env:AWS_SECRET_ACCESS_KEY = if ($env:STREAMFILES_TEST_S3_SECRET_KEY) { $env:STREAMFILES_TEST_S3_SECRET_KEY } else { 'test' }
        }
        $result.Status | Should -Be 'Failed'
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileS3SignatureMismatch*'
        $failed[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failed[0].Exception.Message | Should -Not -Match 'not-the-secret-pester'
    }

    It 'reports credentials removed from the session with their own error id, after a command that had them' {
        $home_credentials = Join-Path -Path ([Environment]::GetFolderPath('UserProfile')) -ChildPath '.aws/credentials'
        if ((Test-Path -LiteralPath $home_credentials) -or $env:AWS_CONTAINER_CREDENTIALS_FULL_URI -or $env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
            Set-ItResult -Skipped -Because 'this machine has credentials of its own, which the chain would find'
            return
        }
        # The earlier tests made a client with these parameters; it must not be reused without the credentials.
        $env:AWS_ACCESS_KEY_ID = $null
        $env:AWS_SECRET_ACCESS_KEY = $null
        try {
            { Send-StreamFile -Path $script:Big.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)nocreds.bin" -ErrorAction Stop @S3 } |
                Should -Throw -ErrorId 'SendStreamFileS3CredentialsNotFound,StreamFiles.PowerShell.SendStreamFileCommand'
        }
        finally {
            $env:AWS_ACCESS_KEY_ID = if ($env:STREAMFILES_TEST_S3_ACCESS_KEY) { $env:STREAMFILES_TEST_S3_ACCESS_KEY } else { 'test' }
            $env:AWS_SECRET_ACCESS_KEY = if ($env:STREAMFILES_TEST_S3_SECRET_KEY) { $env:STREAMFILES_TEST_S3_SECRET_KEY } else { 'test' }
        }
    }

    It 'uses a secret corrected in the credentials file by the next command of the session' {
        $savedFiles = @{ Config = $env:AWS_CONFIG_FILE; Credentials = $env:AWS_SHARED_CREDENTIALS_FILE }
        $credentials = Join-Path -Path $TestDrive -ChildPath 'edited-credentials'
        Set-Content -LiteralPath $credentials -Value @(
            '[edited]'
            "aws_access_key_id = $($env:AWS_ACCESS_KEY_ID)"
            'aws_secret_access_key = not-the-secret-edited'
        )
        $env:AWS_SHARED_CREDENTIALS_FILE = $credentials
        $env:AWS_CONFIG_FILE = Join-Path -Path $TestDrive -ChildPath 'no-config'
        try {
            $destination = "s3://$($script:Bucket)/$($script:Prefix)edited.bin"
            $first = Send-StreamFile -Path $script:Big.FullName -Destination $destination -ProfileName edited -ErrorVariable failed -ErrorAction SilentlyContinue @S3
            $first.Status | Should -Be 'Failed'
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileS3SignatureMismatch*'

            Set-Content -LiteralPath $credentials -Value @(
                '[edited]'
                "aws_access_key_id = $($env:AWS_ACCESS_KEY_ID)"
                "aws_secret_access_key = $($env:AWS_SECRET_ACCESS_KEY)"
            )
            (Get-Item -LiteralPath $credentials).LastWriteTimeUtc = [DateTime]::UtcNow.AddSeconds(5)
            $second = Send-StreamFile -Path $script:Big.FullName -Destination $destination -ProfileName edited @S3
            $second.Status | Should -Be 'Completed'
        }
        finally {
            $env:AWS_SHARED_CREDENTIALS_FILE = $savedFiles.Credentials
            $env:AWS_CONFIG_FILE = $savedFiles.Config
        }
    }

    It 'names -ChecksumMode Auto when the store rejects trailing checksums' {
        $result = Send-StreamFile -Path $script:Big.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)trailer.bin" -ChecksumMode WhenSupported -ErrorVariable failed -ErrorAction SilentlyContinue @S3
        if ($result.Status -eq 'Completed') {
            Set-ItResult -Skipped -Because 'this store accepts the SDK trailing checksums (Amazon S3 does)'
            return
        }
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileS3ChecksumModeRejected*'
        $failed[0].Exception.Message | Should -Match '-ChecksumMode Auto'
    }
}

Describe 'Send-StreamFile with a profile that assumes a role' -Tags 'CI' -Skip:$script:NoRoles {

    BeforeAll {
        # STS and the S3 requests signed with the role's session keys go to the same endpoint.
        $script:StsEndpoint = if ($env:STREAMFILES_TEST_S3_STS_ENDPOINT) { $env:STREAMFILES_TEST_S3_STS_ENDPOINT } else { $script:Endpoint }
        $script:SavedAws = @{ Config = $env:AWS_CONFIG_FILE; Credentials = $env:AWS_SHARED_CREDENTIALS_FILE; Sts = $env:AWS_ENDPOINT_URL_STS }
        $config = Join-Path -Path $TestDrive -ChildPath 'aws-config'
        $credentials = Join-Path -Path $TestDrive -ChildPath 'aws-credentials'
        Set-Content -LiteralPath $config -Value @(
            '[profile base]'
            "region = $($script:Region)"
            '[profile writer]'
            "role_arn = $($env:STREAMFILES_TEST_S3_ROLE_ARN)"
            'source_profile = base'
            "region = $($script:Region)"
            '[profile reader]'
            "role_arn = $($env:STREAMFILES_TEST_S3_READER_ROLE_ARN)"
            'source_profile = base'
            "region = $($script:Region)"
        )
        Set-Content -LiteralPath $credentials -Value @(
            '[base]'
            "aws_access_key_id = $($env:AWS_ACCESS_KEY_ID)"
            "aws_secret_access_key = $($env:AWS_SECRET_ACCESS_KEY)"
        )
        $env:AWS_CONFIG_FILE = $config
        $env:AWS_SHARED_CREDENTIALS_FILE = $credentials
        $env:AWS_ENDPOINT_URL_STS = $script:StsEndpoint
        $script:Small = New-RandomFile -LiteralPath (Join-Path $TestDrive 'small.bin') -Length 1000 -Seed 52
    }

    AfterAll {
        $env:AWS_CONFIG_FILE = $script:SavedAws.Config
        $env:AWS_SHARED_CREDENTIALS_FILE = $script:SavedAws.Credentials
        $env:AWS_ENDPOINT_URL_STS = $script:SavedAws.Sts
    }

    It 'signs with the keys of the role, so a read-only role is refused an upload the writer role may make' {
        $up = Send-StreamFile -Path $script:Small.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)role/" -ProfileName writer -EndpointUrl $script:StsEndpoint
        $up.Status | Should -Be 'Completed'

        $result = Send-StreamFile -Path $script:Small.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)role/refused.bin" -ProfileName reader -EndpointUrl $script:StsEndpoint -ErrorVariable failed -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileS3AccessDenied*'
    }
}
