/** TODO */
package io.j3fs.kv.postgres;
