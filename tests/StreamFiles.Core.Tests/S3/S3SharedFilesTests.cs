using System;
using System.IO;
using Amazon.Runtime.CredentialManagement;
using StreamFiles.Core.Storage.S3;

namespace StreamFiles.Core.Tests.S3
{
    /// <summary>
    /// A PowerShell session that sets $env:AWS_SHARED_CREDENTIALS_FILE or $env:AWS_CONFIG_FILE after its first S3
    /// command: the next command reads the files the variables name now. The AWS SDK reads the two variables once per
    /// process; these tests change the process's own variables, so they run alone.
    /// </summary>
    [Collection(ProcessEnvironment.Name)]
    public sealed class S3SharedFilesTests
    {
        [Fact]
        public void ProfilesComeFromTheFilesTheVariablesNameNowNotWhenTheSdkFirstLooked()
        {
            _ = SharedCredentialsFile.DefaultFilePath; // the SDK has read the variables, as after any earlier command
            string? savedCredentials = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
            string? savedConfig = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE");
            string directory = Path.Combine(Path.GetTempPath(), "streamfiles-shared-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                // The keys only in the credentials file and the region only in the config file: the client below
                // needs both files read.
                string credentials = Path.Combine(directory, "credentials");
                File.WriteAllText(credentials, "[late]\naws_access_key_id = id-late\naws_secret_access_key = secret-late\n");
                string firstConfig = Path.Combine(directory, "config-one");
                File.WriteAllText(firstConfig, "[profile late]\nregion = eu-west-3\n");
                string secondConfig = Path.Combine(directory, "config-two");
                File.WriteAllText(secondConfig, "[profile late]\nregion = ap-south-1\n");
                Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", credentials);
                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", firstConfig);

                using var pool = new S3ClientPool();
                var connection = new S3Connection(profileName: "late", endpointUrl: "http://127.0.0.1:1");
                Assert.Equal("eu-west-3", pool.Get(connection).Region);

                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", secondConfig);
                Assert.Equal("ap-south-1", pool.Get(connection).Region);
            }
            finally
            {
                Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", savedCredentials);
                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", savedConfig);
                S3ClientPool.FollowSharedFileVariables();
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>The region comes as the aws cli and the SDKs take it: -Region, then AWS_REGION, AWS_DEFAULT_REGION, then the profile's.</summary>
    [Collection(ProcessEnvironment.Name)]
    public sealed class S3RegionOrderTests
    {
        [Fact]
        public void TheEnvironmentsRegionWinsOverTheProfiles()
        {
            _ = SharedCredentialsFile.DefaultFilePath;
            string? savedCredentials = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
            string? savedConfig = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE");
            string directory = Path.Combine(Path.GetTempPath(), "streamfiles-region-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                File.WriteAllText(Path.Combine(directory, "config"), "[profile work]\nregion = eu-central-1\n");
                File.WriteAllText(Path.Combine(directory, "credentials"), "[work]\naws_access_key_id = id\naws_secret_access_key = secret\n");
                Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(directory, "credentials"));
                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(directory, "config"));
                var regions = new System.Collections.Generic.Dictionary<string, string?> { ["AWS_REGION"] = null, ["AWS_DEFAULT_REGION"] = null };
                using var pool = new S3ClientPool(environment: n => regions.TryGetValue(n, out string? value) ? value : Environment.GetEnvironmentVariable(n));
                var work = new S3Connection(profileName: "work", endpointUrl: "http://127.0.0.1:1");

                Assert.Equal("eu-central-1", pool.Get(work).Region);
                regions["AWS_DEFAULT_REGION"] = "ap-south-1";
                Assert.Equal("ap-south-1", pool.Get(work).Region);
                regions["AWS_REGION"] = "us-west-2";
                Assert.Equal("us-west-2", pool.Get(work).Region);
                Assert.Equal("sa-east-1", pool.Get(new S3Connection(profileName: "work", region: "sa-east-1", endpointUrl: "http://127.0.0.1:1")).Region);
            }
            finally
            {
                Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", savedCredentials);
                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", savedConfig);
                S3ClientPool.FollowSharedFileVariables();
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Tests that change the process's environment variables run alone.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ProcessEnvironment
    {
        public const string Name = "Process environment";
    }
}
