/** TODO */
package io.j3fs.kv.rocksdb;
