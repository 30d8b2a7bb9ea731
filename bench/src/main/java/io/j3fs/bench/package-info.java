/** TODO */
package io.j3fs.bench;
