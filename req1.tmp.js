const c0=process.cpuUsage(); require(process.argv[2]); const c=process.cpuUsage(c0); console.log(process.argv[2], ((c.user+c.system)/1000|0));
