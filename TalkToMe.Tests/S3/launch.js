// Starts s3rver, a local S3-protocol server, for the S3 media store tests (TalkToMe.Tests/Support/S3Server.cs):
//   node launch.js <directory> <bucket>
// It listens on 127.0.0.1 on a port the system picks, prints "listening <port>" once it accepts requests, and stops when
// its standard input closes, so a test run that dies leaves no server behind.
const S3rver = require('s3rver');

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});

server.run().then(
  address => console.log(`listening ${address.port}`),
  error => {
    console.error(error);
    process.exit(1);
  });

process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
