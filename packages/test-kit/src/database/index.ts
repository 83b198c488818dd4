export {
  createHubbopsTestDatabases,
  hubbopsTestDatabaseIds,
} from './hubbopsTestDatabases';
